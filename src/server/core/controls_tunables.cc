#include "protocol/types.h"
#include "server/core/controls.h"
#include "util/logging.h"

namespace ctdb::server {

using protocol::Opcode;

Status registerTunableControls(ControlDispatcher& d, ControlContext& ctx) {
  if (auto st = d.registerHandler(Opcode::GetTunable, [&ctx](const ControlRequest& req,
                                                              ReplySink sink) {
        auto name = protocol::decode<protocol::StringN>(req.data);
        if (!name || !name->s) {
          sink.status(-EINVAL);
          return;
        }
        auto v = ctx.tunables.get(*name->s);
        if (!v) {
          D_INFO("GET_TUNABLE: unknown tunable '%s'\n", name->s->c_str());
          sink.status(-EINVAL);
          return;
        }
        sink.ok(protocol::encodeU32(*v));
      });
      !st)
    return st;

  if (auto st = d.registerHandler(Opcode::SetTunable, [&ctx](const ControlRequest& req,
                                                              ReplySink sink) {
        auto tv = protocol::decode<protocol::TunableValue>(req.data);
        if (!tv) {
          D_ERR("SET_TUNABLE: %s, refusing\n", tv.error().message().c_str());
          sink.status(-1);
          return;
        }
        auto r = ctx.tunables.set(tv->name, tv->value);
        switch (r) {
          case config::Tunables::SetResult::Ok:
            D_NOTICE("tunable %s set to %u\n", tv->name.c_str(), tv->value);
            sink.ok();
            return;
          case config::Tunables::SetResult::Obsolete:
            D_NOTICE("tunable %s is obsolete, value ignored\n", tv->name.c_str());
            sink.status(1);
            return;
          case config::Tunables::SetResult::Unknown:
          case config::Tunables::SetResult::Invalid:
            D_ERR("SET_TUNABLE %s=%u: %s\n", tv->name.c_str(), tv->value, config::toString(r));
            sink.status(-1);
            return;
        }
        sink.status(-1);
      });
      !st)
    return st;

  if (auto st = d.registerHandler(Opcode::ListTunables,
                                  [&ctx](const ControlRequest&, ReplySink sink) {
                                    sink.ok(protocol::encode(
                                        protocol::VarList{ctx.tunables.listNames()}));
                                  });
      !st)
    return st;

  return d.registerHandler(Opcode::GetAllTunables, [&ctx](const ControlRequest&, ReplySink sink) {
    protocol::TunableList list;
    list.values = ctx.tunables.toTunableList();
    sink.ok(protocol::encode(list));
  });
}

}  // namespace ctdb::server
