/*
 * GET_EVENT_SCRIPT_STATUS (opcode 96, CTDB 4.5): request uint32 event
 * number, reply the last completed run of that event in 4.5's
 * ctdb_script_list layout (event/script_status.h), empty when it never ran.
 * A bad request is answered -1 with a message.
 */
#include "event/script_status.h"
#include "server/events/event_service.h"

namespace ctdb::server {

Status registerEventControls(ControlDispatcher& d, event::EventRunner& runner) {
  return d.registerHandler(protocol::Opcode::GetEventScriptStatus,
                           [&runner](const ControlRequest& req, ReplySink sink) {
                             auto e = event::decodeScriptStatusRequest(req.data);
                             if (!e) {
                               return sink.fail(-1, "GET_EVENT_SCRIPT_STATUS: " +
                                                        e.error().message());
                             }
                             sink.ok(event::encodeScriptStatusReply(runner.lastStatus(*e)));
                           });
}

}  // namespace ctdb::server
