-- Lua 5.4 in Osprey: tables, closures, coroutines, string patterns and formatting,
-- integer and float arithmetic, metatables, error handling, and io on a file under /tmp.
local function check(ok, what)
  print((ok and "ok: " or "FAIL: ") .. what)
  if not ok then os.exit(1) end
end

print(_VERSION, math.type(1), math.type(1.0), math.maxinteger, 7 // 2, 7 / 2, 2 ^ 10, 7 % -3)

-- tables and sorting
local words = {}
for word in ("the quick brown fox jumps over the lazy dog the end"):gmatch("%a+") do
  words[word] = (words[word] or 0) + 1
end
local keys = {}
for key in pairs(words) do keys[#keys + 1] = key end
table.sort(keys, function(a, b) if words[a] ~= words[b] then return words[a] > words[b] end return a < b end)
local parts = {}
for _, key in ipairs(keys) do parts[#parts + 1] = key .. "=" .. words[key] end
print(table.concat(parts, " "))

-- closures and coroutines
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local next_id = counter()
next_id(); next_id()
print("closure:", next_id())
local fib = coroutine.wrap(function()
  local a, b = 0, 1
  while true do coroutine.yield(a); a, b = b, a + b end
end)
local fibs = {}
for _ = 1, 15 do fibs[#fibs + 1] = fib() end
print("coroutine:", table.concat(fibs, ","))

-- string library
print(string.format("%5.2f|%-6s|%x|%q|%g", math.pi, "ab", 255, "a\nb", 1e20))
print(("hello world from lua"):gsub("(%w+)", string.upper))
print(("key = value; other = thing"):match("(%w+)%s*=%s*(%w+)"))
print(string.rep("ab", 3, "-"), ("osprey"):reverse(), ("%d items"):format(3), #"\u{20AC}")
print(utf8.char(72, 228, 8364), utf8.len("h\u{E4}\u{20AC}"))

-- metatables
local Vector = {}
Vector.__index = Vector
Vector.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, Vector) end
Vector.__tostring = function(v) return "(" .. v.x .. ", " .. v.y .. ")" end
function Vector:length() return math.sqrt(self.x ^ 2 + self.y ^ 2) end
local v = setmetatable({x = 3, y = 4}, Vector) + setmetatable({x = 0, y = 0}, Vector)
print("vector:", tostring(v), v:length())

-- errors
local ok, message = pcall(function() error({code = 42}) end)
print("pcall:", ok, type(message), message.code)
ok, message = pcall(function() return nil + 1 end)
print("pcall arithmetic:", ok, (message:gsub("^.-:%d+: ", "")))
print("xpcall:", xpcall(function() error("boom", 0) end, function(m) return "handled " .. m end))

-- integers and a checksum
local sum = 0
for i = 1, 200000 do sum = (sum * 31 + i) % 1000000007 end
print("checksum:", sum, 1 << 62, math.tointeger(2 ^ 53), string.format("%.0f", 2 ^ 63))

-- io under /tmp
local path = os.tmpname()
local file = assert(io.open(path, "w"))
for i = 1, 100 do file:write(string.format("line %03d\n", i)) end
file:close()
local lines, total = 0, 0
for line in io.lines(path) do
  lines = lines + 1
  total = total + tonumber(line:match("%d+"))
end
print("io:", lines, total)
check(os.remove(path), "os.remove")
check(io.open(path) == nil, "removed file is gone")
print("os.time:", os.time({year = 2024, month = 2, day = 29, hour = 12}) ~= nil, os.date("!%Y-%m-%d %H:%M:%S", 1709210700))
os.exit(0)
