# Python started with LANG naming a locale that is not installed: it falls back as it does on
# a Debian host without that locale (coercing LC_CTYPE to C.UTF-8, UTF-8 mode), and text,
# file names and the locale module behave accordingly.
import locale
import os
import sys
import tempfile

print("LANG:", os.environ.get("LANG"), "LC_CTYPE:", os.environ.get("LC_CTYPE"))
print("utf8_mode:", sys.flags.utf8_mode)
print("encodings:", sys.getfilesystemencoding(), sys.stdout.encoding, locale.getpreferredencoding(False))
print("setlocale:", locale.setlocale(locale.LC_ALL, None))
print("getlocale:", locale.getlocale())
try:
    locale.setlocale(locale.LC_ALL, "en_US.UTF-8")
    print("en_US.UTF-8: available")
except locale.Error as error:
    print("en_US.UTF-8:", error)
print("localeconv:", locale.localeconv()["decimal_point"], repr(locale.localeconv()["thousands_sep"]))
text = "Grüße, Ωmega — ﬁne ǅ €"
print(text, text.upper(), text.casefold(), len(text), len(text.encode()))
print("sorted:", sorted(["zebra", "Äpfel", "apple", "Zoo", "éclair"], key=locale.strxfrm))
with tempfile.TemporaryDirectory() as top:
    name = os.path.join(top, "naïve-文件.txt")
    with open(name, "w") as out:
        out.write(text + "\n")
    print("listdir:", os.listdir(top), os.listdir(top.encode())[0])
    with open(name, encoding="utf-8") as back:
        print("read back:", back.read() == text + "\n")
