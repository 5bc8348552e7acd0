# The vDSO (kernel/vdso/user/): a user-mode shared object built by the same compiler with
# its own flags, then embedded in the kernel image (vdso_blob.S). Included from
# kernel/CMakeLists.txt; sets OSPREY_VDSO_BLOB_ASM (the kernel's source that embeds it) and
# OSPREY_VDSO_IMAGE (the built .so, also checked by the unit tests).
set(vdso_dir ${CMAKE_CURRENT_SOURCE_DIR}/vdso/user)
set(vdso_out ${CMAKE_CURRENT_BINARY_DIR}/vdso)
set(OSPREY_VDSO_IMAGE ${vdso_out}/vdso.so CACHE INTERNAL "")
set(vdso_object ${vdso_out}/vdso.o)

# Position-independent, no libc, no stack protector or CET notes, no SSE (nothing for the
# caller to expect saved), hidden by default: only the version script's names are exported.
set(vdso_compile_flags
  -std=gnu++20 -O2 -fPIC -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
  -fno-stack-protector -fcf-protection=none -mgeneral-regs-only -fno-plt -fvisibility=hidden
  -fno-omit-frame-pointer -Wall -Wextra -Werror=return-type
  -I${CMAKE_SOURCE_DIR}/libs)
# One PT_LOAD at address 0 (vdso.lds); both hash tables (musl reads only DT_HASH, glibc and
# Go prefer DT_GNU_HASH); the .eh_frame_hdr lets debuggers and unwinders step through it.
set(vdso_link_flags
  -nostdlib -shared -Wl,-T,${vdso_dir}/vdso.lds -Wl,--version-script=${vdso_dir}/vdso.map
  -Wl,-soname=linux-vdso.so.1 -Wl,--hash-style=both -Wl,--eh-frame-hdr -Wl,--no-undefined
  -Wl,-Bsymbolic -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=sha1 -Wl,--strip-all)

add_custom_command(OUTPUT ${OSPREY_VDSO_IMAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${vdso_out}
  COMMAND ${CMAKE_CXX_COMPILER} ${vdso_compile_flags} -c ${vdso_dir}/vdso.cc -o ${vdso_object}
  COMMAND ${CMAKE_CXX_COMPILER} ${vdso_link_flags} ${vdso_object} -o ${OSPREY_VDSO_IMAGE}
  DEPENDS ${vdso_dir}/vdso.cc ${vdso_dir}/vdso.lds ${vdso_dir}/vdso.map
          ${CMAKE_SOURCE_DIR}/libs/time/clock_page.h ${CMAKE_SOURCE_DIR}/libs/base/types.h
  COMMENT "Building the vDSO"
  VERBATIM)
add_custom_target(vdso_image DEPENDS ${OSPREY_VDSO_IMAGE})

set(OSPREY_VDSO_BLOB_ASM ${CMAKE_CURRENT_BINARY_DIR}/vdso_blob.S)
file(WRITE ${OSPREY_VDSO_BLOB_ASM}
  "/* Generated: the vDSO image (kernel/vdso/vdso.cmake), embedded in the kernel. */\n"
  ".section .rodata.vdso, \"a\"\n.balign 4096\n"
  ".globl osprey_vdso_image_start\nosprey_vdso_image_start:\n"
  ".incbin \"${OSPREY_VDSO_IMAGE}\"\n"
  ".globl osprey_vdso_image_end\nosprey_vdso_image_end:\n"
  ".section .note.GNU-stack, \"\", @progbits\n")
set_source_files_properties(${OSPREY_VDSO_BLOB_ASM} PROPERTIES OBJECT_DEPENDS ${OSPREY_VDSO_IMAGE})
