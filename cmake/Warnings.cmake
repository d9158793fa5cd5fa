# Warnings are errors for the project's own code (third-party headers come in as SYSTEM).
function(netmeter_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough -Werror)
endfunction()
