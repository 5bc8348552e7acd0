#!/usr/bin/lua5.4
-- Run as a program: osprey takes lua5.4 from the #! line.
local parts = {}
for i = 1, #arg do parts[#parts + 1] = arg[i] end
print("script: " .. arg[0]:match("[^/]+$"))
print("args: " .. table.concat(parts, ","))
print(("%d squares: %s"):format(5, table.concat({1, 4, 9, 16, 25}, " ")))
