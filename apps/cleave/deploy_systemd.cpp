// The systemd target of `cleave deploy`: one hardened service unit per node, the environment file
// giving every `${VAR}` of the placement its value, and the placement they read.
#include <string>

#include "apps/cleave/deploy.hpp"

namespace cleave::tool {

namespace {

/// `value` for an EnvironmentFile line: double-quoted, with '\\' and '"' escaped (systemd does
/// not expand '$' there).
std::string env_value(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string env_file(const deploy_plan& plan) {
  std::string text = "# The variables the placement of app \"" + plan.plan.app +
                     "\" uses, made by `cleave deploy` from " + plan.plan.file +
                     " (the environment's value then, else the placement's default).\n";
  for (const auto& [name, value] : plan.env) text += name + "=" + env_value(value) + "\n";
  return text;
}

std::string unit(const deploy_plan& plan, const deploy_node& node, const deploy_options& opts) {
  const auto& app = plan.plan.app;
  bool low_port = false;
  for (auto p : node.http_ports) low_port = low_port || (p != 0 && p < 1024);
  low_port = low_port || (node.port != 0 && node.port < 1024) ||
             (node.admin_port != 0 && node.admin_port < 1024);
  std::string state_dir = plan.state_dir;
  const std::string var_lib = "/var/lib/";
  std::string t;
  t += "# Node \"" + node.name + "\" of app \"" + app + "\", made by `cleave deploy` from " +
       plan.plan.file + ".\n";
  t += "[Unit]\n";
  t += "Description=cleave app " + app + ", node " + node.name + "\n";
  t += "Wants=network-online.target\nAfter=network-online.target\n\n";
  t += "[Service]\n";
  t += "Type=exec\n";
  t += "EnvironmentFile=" + plan.config_dir + "/" + app + ".env\n";
  // The key passphrase lives in a root-only file of its own (docs/deploy.md), never in the above.
  const auto& passphrase = plan.plan.security.key_passphrase_env;
  if (plan.tls && !passphrase.empty())
    t += "EnvironmentFile=" + plan.config_dir + "/" + app + "-passphrase.env\n";
  t += "ExecStart=" + opts.bin_dir + "/" + app + " --placement " + plan.config_dir +
       "/placement.json --node " + node.name + "\n";
  // Exit 0 (a driver that finished) stays down; a crash or kill restarts.
  t += "Restart=on-failure\nRestartSec=1s\n";
  t += "User=cleave\nGroup=cleave\n";
  if (state_dir.compare(0, var_lib.size(), var_lib) == 0)
    t += "StateDirectory=" + state_dir.substr(var_lib.size()) + "\nStateDirectoryMode=0700\n";
  else
    t += "ReadWritePaths=" + state_dir + "\n";
  t += "UMask=0077\n";
  t += "NoNewPrivileges=yes\n";
  t += "ProtectSystem=strict\nProtectHome=yes\nPrivateTmp=yes\nPrivateDevices=yes\n";
  t += "ProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\n";
  t += "ProtectControlGroups=yes\nProtectClock=yes\nProtectHostname=yes\nProtectProc=invisible\n";
  t += "RestrictNamespaces=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\n";
  t += "LockPersonality=yes\nMemoryDenyWriteExecute=yes\nRemoveIPC=yes\n";
  t += "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n";
  t += "SystemCallArchitectures=native\nSystemCallFilter=@system-service\n";
  if (low_port)
    t += "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n";
  else
    t += "CapabilityBoundingSet=\nAmbientCapabilities=\n";
  t += "\n[Install]\nWantedBy=multi-user.target\n";
  return t;
}

}  // namespace

std::vector<deploy_file> systemd_files(const deploy_plan& plan, const deploy_options& opts) {
  std::vector<deploy_file> files;
  for (const auto& node : plan.nodes)
    files.push_back(
        {"cleave-" + plan.plan.app + "-" + node.name + ".service", unit(plan, node, opts)});
  files.push_back({plan.plan.app + ".env", env_file(plan)});
  return files;
}

}  // namespace cleave::tool
