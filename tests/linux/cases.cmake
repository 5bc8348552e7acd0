# The Linux ABI test cases: each an ordinary static Linux program from tests/linux/, run with
# the given arguments and with exactly the given environment (nothing inherited). Linux is the
# reference: the `hostref` tests run every case on the host and store its stdout and stderr
# in ${OSPREY_LINUX_EXPECTED_DIR}/NAME.stdout and NAME.stderr; a guest run of the same
# BINARY with the same ARGS and ENV must end with STATUS and, where STDOUT is "exact", print
# byte-for-byte the same stdout. stderr is never compared (random.* writes random bytes
# there, so two boots must differ).
#
# After include(), OSPREY_LINUX_CASES lists the case names, and for each NAME:
#   OSPREY_LINUX_CASE_<NAME>_BINARY   path relative to ${OSPREY_LINUX_BIN_DIR}
#   OSPREY_LINUX_CASE_<NAME>_ARGS     list of arguments (may be empty)
#   OSPREY_LINUX_CASE_<NAME>_ENV      list of NAME=VALUE (may be empty)
#   OSPREY_LINUX_CASE_<NAME>_STATUS   expected exit status, 128+signal for a fatal signal
#   OSPREY_LINUX_CASE_<NAME>_STDOUT   "exact" (compare byte-for-byte) or "ignore"
# Cases whose binary is not built here (no musl-gcc, no go) are left out; the
# OSPREY_LINUX_HAVE_MUSL and OSPREY_LINUX_HAVE_GO cache variables say which are built.

set(OSPREY_LINUX_CASES)

function(osprey_linux_case name)
  cmake_parse_arguments(PARSE_ARGV 1 CASE "" "BINARY;STATUS;STDOUT" "ARGS;ENV")
  if(NOT DEFINED CASE_STDOUT)
    set(CASE_STDOUT exact)
  endif()
  if(NOT DEFINED CASE_STATUS)
    set(CASE_STATUS 0)
  endif()
  set(OSPREY_LINUX_CASES ${OSPREY_LINUX_CASES} ${name} PARENT_SCOPE)
  set(OSPREY_LINUX_CASE_${name}_BINARY "${CASE_BINARY}" PARENT_SCOPE)
  set(OSPREY_LINUX_CASE_${name}_ARGS "${CASE_ARGS}" PARENT_SCOPE)
  set(OSPREY_LINUX_CASE_${name}_ENV "${CASE_ENV}" PARENT_SCOPE)
  set(OSPREY_LINUX_CASE_${name}_STATUS "${CASE_STATUS}" PARENT_SCOPE)
  set(OSPREY_LINUX_CASE_${name}_STDOUT "${CASE_STDOUT}" PARENT_SCOPE)
endfunction()

# Which builds of each program exist: gcc -static, gcc -static-pie, gcc dynamic (PIE and
# not), musl-gcc -static.
set(_variants static pie dynamic nopie)
if(OSPREY_LINUX_HAVE_MUSL)
  list(APPEND _variants musl)
endif()

foreach(variant IN LISTS _variants)
  osprey_linux_case(args.${variant} BINARY args_${variant}
    ARGS one "two words" "ünïcödé" --flag=x "*" "$HOME"
    ENV "OSPREY_TEST_B=2" "OSPREY_TEST_A=hello world" "OSPREY_TEST_EMPTY=" "OTHER=ignored")
  osprey_linux_case(auxv.${variant} BINARY auxv_${variant})
  foreach(status 0 1 42 255)
    osprey_linux_case(exit_status.${status}.${variant} BINARY exit_status_${variant}
      ARGS ${status} STATUS ${status})
  endforeach()
  osprey_linux_case(exit_status.segv.${variant} BINARY exit_status_${variant}
    ARGS segv STATUS 139)
  osprey_linux_case(exit_status.abort.${variant} BINARY exit_status_${variant}
    ARGS abort STATUS 134)
  osprey_linux_case(malloc_stress.${variant} BINARY malloc_stress_${variant})
  osprey_linux_case(memory.${variant} BINARY memory_${variant})
  osprey_linux_case(tls_threads.${variant} BINARY tls_threads_${variant})
  osprey_linux_case(signals.${variant} BINARY signals_${variant})
  osprey_linux_case(efault.${variant} BINARY efault_${variant})
  osprey_linux_case(clock_sleep.${variant} BINARY clock_sleep_${variant})
  osprey_linux_case(random.${variant} BINARY random_${variant})
  osprey_linux_case(vdso.${variant} BINARY vdso_${variant})
  osprey_linux_case(itimer.${variant} BINARY itimer_${variant} STATUS 142)
  osprey_linux_case(no_children.${variant} BINARY no_children_${variant})
  osprey_linux_case(sigwait.${variant} BINARY sigwait_${variant})
  osprey_linux_case(posix_timers.${variant} BINARY posix_timers_${variant})
  osprey_linux_case(signalfd.${variant} BINARY signalfd_${variant})
  osprey_linux_case(mapped_io.${variant} BINARY mapped_io_${variant})
  osprey_linux_case(credentials.${variant} BINARY credentials_${variant})
  osprey_linux_case(processes.${variant} BINARY processes_${variant})
  osprey_linux_case(exec.${variant} BINARY exec_${variant})
  osprey_linux_case(process_files.${variant} BINARY process_files_${variant})
  osprey_linux_case(proc_pids.${variant} BINARY proc_pids_${variant})
  foreach(process_case rlimits pdeathsig execveat job_control syscall_return socket_options kill_blocked
                       pipe_waiters_signal fifo)
    osprey_linux_case(${process_case}.${variant} BINARY ${process_case}_${variant})
  endforeach()
  osprey_linux_case(pipe_reopen.${variant} BINARY pipe_reopen_${variant})
  osprey_linux_case(image_pages.${variant} BINARY image_pages_${variant})
  foreach(unix_case unix_stream unix_dgram unix_seqpacket unix_rights unix_poll)
    osprey_linux_case(${unix_case}.${variant} BINARY ${unix_case}_${variant})
  endforeach()
endforeach()
osprey_linux_case(args.none.static BINARY args_static)

# C++ needs libstdc++, which musl-gcc does not have.
foreach(variant static pie dynamic nopie)
  osprey_linux_case(cxx_runtime.${variant} BINARY cxx_runtime_${variant})
endforeach()

if(OSPREY_LINUX_HAVE_GO)
  osprey_linux_case(go_hello BINARY go_hello)
endif()
unset(_variants)
