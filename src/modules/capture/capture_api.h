#pragma once

#include "api/server.h"
#include "modules/capture/capture_service.h"

namespace netmeter {

// The capture module's REST routes (docs/api.md "Captures"): GET /API/data/modules/capture (start a
// capture), /API/data/modules/capture/files/:name (download a stored capture), and the management
// subtree /API/stats/modules/capture/{captures,recent,favorites,profiles,files}.
void registerCaptureRoutes(api::Server& server, CaptureService& service);

}  // namespace netmeter
