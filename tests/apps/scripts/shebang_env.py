#!/usr/bin/env python3
# Run as a program: osprey takes python3 from the #! line (through env, on the guest's PATH).
import os
import sys

print("argv:", [os.path.basename(sys.argv[0])] + sys.argv[1:])
print("executable:", sys.executable)
print("__file__ is argv[0]:", __file__ == sys.argv[0])
print("json from the standard library:", __import__("json").dumps({"ok": True}))
