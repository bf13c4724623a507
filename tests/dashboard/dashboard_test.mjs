// The live dashboard in a real browser (ctest: dashboard_browser; tests/dashboard/CMakeLists.txt).
//
// Starts Shop split over three nodes (configs/shop/step4.json: main with the gateway, orders,
// products), each with an admin port, on free ports of 127.0.0.1 with the cluster's certificates
// made by `cleave certs`; starts `cleave status --web`; then drives headless Chromium (the system's
// /usr/bin/chromium, through playwright-core) and checks that
//   - every node and every component is shown, up;
//   - the rate of the edges gateway -> orders and orders -> products rises under a bounded load
//     (a fixed number of HTTP requests to the gateway);
//   - kill -9 of the products node is shown as "down" within 5 s (the time is printed);
//   - a node's own admin page (/dashboard) shows that node and its components;
//   - no page logs a console error or throws.
// Screenshots go to $CLEAVE_OUT_DIR (dashboard.png, dashboard-node-down.png, node-dashboard.png);
// with DASHBOARD_IMAGE=path, dashboard.png is copied there too (docs/dashboard.md: refreshing
// docs/images/dashboard.png). Every process it starts is killed on every path; the whole run is
// bounded (TEST_TIMEOUT_MS, 150 s).
//
//   CLEAVE_BIN_DIR=build/bin CLEAVE_SOURCE_DIR=. CLEAVE_OUT_DIR=/tmp node tests/dashboard/dashboard_test.mjs
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = path.resolve(process.env.CLEAVE_BIN_DIR || path.join(here, "../../build/bin"));
const sourceDir = path.resolve(process.env.CLEAVE_SOURCE_DIR || path.join(here, "../.."));
const outDir = path.resolve(process.env.CLEAVE_OUT_DIR || os.tmpdir());
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const testTimeoutMs = 150000;
const downWithinMs = 5000;

const children = [];
let browser = null;
let workDir = null;

function log(...args) {
  console.log("dashboard_test:", ...args);
}

function cleanup() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill("SIGKILL");
      } catch {
        // gone already
      }
    }
  }
}

process.on("exit", cleanup);
const watchdog = setTimeout(() => {
  console.error("dashboard_test: FAILED: the test took longer than " + testTimeoutMs + " ms");
  for (const c of children) console.error(c.describe());
  cleanup();
  process.exit(1);
}, testTimeoutMs);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/// Starts a process whose output is kept (and shown if the test fails).
function start(name, args, env) {
  const child = spawn(args[0], args.slice(1), { env: { ...process.env, ...env }, cwd: workDir });
  child.output = "";
  child.stdout.on("data", (d) => (child.output += d));
  child.stderr.on("data", (d) => (child.output += d));
  child.describe = () => `--- ${name} (pid ${child.pid}) ---\n${child.output.slice(-4000)}`;
  children.push(child);
  return child;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await sleep(100);
  }
}

async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, body: text };
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function main() {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new Error("playwright-core is not installed: run scripts/setup (npm ci in tests/dashboard): " + e.message);
  }
  check(fs.existsSync(chromiumPath), chromiumPath + " not found: run scripts/setup (Debian package chromium)");
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "cleave-dashboard-"));
  // The placement is copied: certificates are made beside it, never in the source tree.
  const placement = path.join(workDir, "step4.json");
  fs.copyFileSync(path.join(sourceDir, "configs/shop/step4.json"), placement);
  const nodes = ["main", "orders", "products"];
  const components = { main: ["gateway", "users", "notifications"], orders: ["orders"], products: ["products"] };
  const port = {};
  const admin = {};
  const sets = [];
  for (const n of nodes) {
    port[n] = await freePort();
    admin[n] = await freePort();
    sets.push("--set", `nodes.${n}.port=${port[n]}`, "--set", `nodes.${n}.admin=127.0.0.1:${admin[n]}`);
  }
  const httpPort = await freePort();
  const env = { DATA_DIR: path.join(workDir, "data"), SHOP_HTTP: `127.0.0.1:${httpPort}` };
  const certs = spawnSync(path.join(binDir, "cleave"), ["certs", placement, ...sets], { cwd: workDir, timeout: 30000 });
  check(certs.status === 0, "cleave certs failed: " + (certs.error || "") + certs.stdout + certs.stderr);

  const processes = {};
  for (const n of nodes) {
    processes[n] = start(n, [path.join(binDir, "shop"), "--placement", placement, "--node", n, ...sets], env);
  }
  for (const n of nodes) {
    await waitFor(`node ${n} ready`, 20000, async () => (await http("GET", `http://127.0.0.1:${admin[n]}/readyz`)).status === 200);
  }
  await waitFor("the gateway", 20000, async () => (await http("GET", `http://127.0.0.1:${httpPort}/readyz`)).status === 200);
  const web = start("cleave status --web", [path.join(binDir, "cleave"), "status", placement, ...sets, "--web", "--listen", "127.0.0.1:0", "--timeout-ms", "1000"], env);
  const url = await waitFor("the dashboard's URL", 15000, () => {
    const m = web.output.match(/dashboard of shop at (http:\/\/127\.0\.0\.1:\d+\/)/);
    return m && m[1];
  });
  log("cluster dashboard at", url);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const watch = (page, name) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`${name}: console error: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`${name}: page error: ${err.message}`));
  };
  const page = await context.newPage();
  watch(page, "cluster page");
  await page.goto(url);

  // Every node up, every component shown on its node.
  for (const n of nodes) {
    await page.waitForSelector(`[data-node="${n}"][data-state="up"]`, { timeout: 10000 });
    for (const c of components[n]) {
      await page.waitForSelector(`[data-node="${n}"][data-state="up"] [data-component="${c}"]`, { timeout: 10000 });
    }
  }
  log("every node and component shown");

  const rateOf = (edge) =>
    page.evaluate((e) => {
      const row = document.querySelector(`#edges tr[data-edge="${e}"]`);
      return row ? Number(row.dataset.rate || 0) : 0;
    }, edge);
  const before = await rateOf("gateway->orders");
  check(before === 0, "gateway -> orders has a rate before any order: " + before);

  // A bounded load: one user, one product, then 240 orders, 4 at a time.
  const base = `http://127.0.0.1:${httpPort}`;
  const user = JSON.parse((await http("POST", base + "/users", { name: "Ada", email: "ada@example.org" })).body);
  const product = JSON.parse((await http("POST", base + "/products", { name: "lamp", price_cents: 1500, stock: 100000 })).body);
  let sent = 0;
  let failed = 0;
  let maxRate = 0;
  let maxDownstream = 0;
  const total = 240;
  const worker = async () => {
    while (sent < total) {
      sent++;
      const r = await http("POST", base + "/orders", { user_id: user.id, product_id: product.id, quantity: 1 });
      if (r.status !== 201) failed++;
      await sleep(10);
    }
  };
  const load = Promise.all([worker(), worker(), worker(), worker()]);
  const sampler = (async () => {
    const until = Date.now() + 20000;
    while (Date.now() < until) {
      maxRate = Math.max(maxRate, await rateOf("gateway->orders"));
      maxDownstream = Math.max(maxDownstream, await rateOf("orders->products"));
      if (maxRate > 0 && maxDownstream > 0 && sent >= total) break;
      await sleep(200);
    }
  })();
  await load;
  await sampler;
  check(failed === 0, `${failed} of ${total} orders failed`);
  check(maxRate > 0, "the rate of gateway -> orders never rose under load");
  check(maxDownstream > 0, "the rate of orders -> products never rose under load");
  log(`under a load of ${total} orders: gateway->orders up to ${maxRate}/s, orders->products up to ${maxDownstream}/s`);
  // p50/p99 shown for a busy edge.
  const p50 = await page.evaluate(() => document.querySelector('#edges tr[data-edge="gateway->orders"] td:nth-child(6)').textContent);
  log("gateway->orders p50 shown as", p50, "ms");

  const shot = path.join(outDir, "dashboard.png");
  await page.screenshot({ path: shot, fullPage: true });
  log("screenshot", shot);
  if (process.env.DASHBOARD_IMAGE) {
    fs.copyFileSync(shot, process.env.DASHBOARD_IMAGE);
    log("copied to", process.env.DASHBOARD_IMAGE);
  }

  // kill -9 of a node: shown down within 5 s.
  const killedAt = Date.now();
  processes.products.kill("SIGKILL");
  await page.waitForSelector('[data-node="products"][data-state="down"]', { timeout: downWithinMs });
  const shownDownMs = Date.now() - killedAt;
  log(`killed node shown down after ${shownDownMs} ms (limit ${downWithinMs} ms)`);
  await page.screenshot({ path: path.join(outDir, "dashboard-node-down.png"), fullPage: true });
  for (const n of ["main", "orders"]) {
    check(await page.$(`[data-node="${n}"][data-state="up"]`), `node ${n} is not shown up after products went down`);
  }

  // A node's own page on its admin port.
  const nodePage = await context.newPage();
  watch(nodePage, "node page");
  await nodePage.goto(`http://127.0.0.1:${admin.main}/dashboard`);
  await nodePage.waitForSelector('[data-node="main"][data-state="up"]', { timeout: 10000 });
  for (const c of components.main) {
    await nodePage.waitForSelector(`[data-node="main"] [data-component="${c}"]`, { timeout: 10000 });
  }
  await nodePage.waitForSelector('#edges tr[data-edge="gateway->orders"]', { timeout: 10000 });
  log("node page of main shows its components and edges");
  // Let both pages poll a few more times: errors after the kill count too.
  await sleep(2000);
  await nodePage.screenshot({ path: path.join(outDir, "node-dashboard.png"), fullPage: true });
  check(problems.length === 0, "the pages logged errors:\n" + problems.join("\n"));
  fs.writeFileSync(path.join(outDir, "dashboard-figures.json"),
                   JSON.stringify({ shown_down_ms: shownDownMs, max_gateway_orders_per_s: maxRate, max_orders_products_per_s: maxDownstream, orders: total }, null, 2) + "\n");
  log("PASSED");
}

let code = 0;
try {
  await main();
} catch (e) {
  code = 1;
  console.error("dashboard_test: FAILED:", e.message);
  for (const c of children) console.error(c.describe());
} finally {
  if (browser) await browser.close().catch(() => {});
  cleanup();
  clearTimeout(watchdog);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
}
process.exit(code);
