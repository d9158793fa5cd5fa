#pragma once

namespace netmeter {

// `netmeter user list|add NAME --role R|passwd NAME|del NAME [--state DIR]`; argv[0] is "user".
// Passwords come from $NETMETER_PASSWORD or are read twice from the terminal without echo.
// Edits <state dir>/users.json; a running server picks up the change when restarted.
int runUserCommand(int argc, char** argv);

}  // namespace netmeter
