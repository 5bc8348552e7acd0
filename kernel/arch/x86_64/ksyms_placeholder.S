/* The first link's stand-in for the symbol table: an empty .ksyms section. */
.section .ksyms, "a"
.section .note.GNU-stack, "", @progbits
