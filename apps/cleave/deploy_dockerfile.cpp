// The Dockerfile of `cleave deploy --to compose|kubernetes`: Debian 12 with the app's runtime
// libraries, the app binary and cleave's modules beside it, run by a user without privileges.
#include <string>

#include "apps/cleave/deploy.hpp"

namespace cleave::tool {

const std::vector<std::string>& runtime_packages() {
  // The Debian 12 packages of what `ldd` lists for the apps and for libcleave_tls.so and
  // libcleave_nats.so (dpkg -S on each library), less libc6 and libgcc-s1, which every Debian
  // image has. tests/apps/cleave/deploy_test.cpp checks this list against ldd of the build.
  static const std::vector<std::string> packages{"libboost-container1.81.0",
                                                 "libboost-json1.81.0",
                                                 "libcaf-core0.17",
                                                 "libcaf-io0.17",
                                                 "libnats3.4",
                                                 "libprotobuf-c1",
                                                 "libsqlite3-0",
                                                 "libssl3",
                                                 "libstdc++6"};
  return packages;
}

deploy_file dockerfile(const deploy_plan& plan) {
  const auto& app = plan.plan.app;
  std::string uid = std::to_string(container_uid);
  std::string text;
  text +=
      "# The image of app \"" + app + "\", made by `cleave deploy` from " + plan.plan.file + ".\n";
  text +=
      "# bin/ beside this file holds the app binary and cleave's modules (libcleave_tls.so,\n"
      "# libcleave_nats.so), which the runtime loads from the binary's folder. Build:\n";
  text += "#   docker build -t " + plan.image + " .\n";
  text += "FROM debian:12-slim\n";
  text +=
      "RUN apt-get update \\\n"
      " && apt-get install -y --no-install-recommends";
  for (const auto& p : runtime_packages()) text += " \\\n      " + p;
  text += " \\\n && rm -rf /var/lib/apt/lists/*\n";
  text += "RUN groupadd --system --gid " + uid + " cleave \\\n" + " && useradd --system --uid " +
          uid + " --gid " + uid +
          " --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin cleave \\\n" +
          " && mkdir -p " + container_state + " /etc/cleave \\\n" + " && chown cleave:cleave " +
          container_state + "\n";
  text +=
      "COPY bin/" + app + " bin/libcleave_tls.so bin/libcleave_nats.so " + container_bin + "/\n";
  text += std::string{"VOLUME "} + container_state + "\n";
  text += "USER cleave\n";
  text += std::string{"WORKDIR "} + container_state + "\n";
  std::vector<uint16_t> ports;
  for (const auto& n : plan.nodes) {
    ports.push_back(n.port);
    ports.push_back(n.admin_port);
    ports.insert(ports.end(), n.http_ports.begin(), n.http_ports.end());
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  std::string expose;
  for (auto p : ports)
    if (p != 0) expose += " " + std::to_string(p);
  if (!expose.empty()) text += "EXPOSE" + expose + "\n";
  text += std::string{"ENTRYPOINT [\""} + container_bin + "/" + app + "\"]\n";
  text += std::string{"CMD [\"--placement\", \""} + container_placement + "\"]\n";
  return {"Dockerfile", text};
}

}  // namespace cleave::tool
