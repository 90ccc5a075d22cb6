// src/endpoint/brotli.ts
var BROTLI = "brotli";
function streamBrotliDecoder() {
  try {
    new DecompressionStream(BROTLI);
  } catch {
    return void 0;
  }
  return async (bytes) => new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(BROTLI))).arrayBuffer());
}
function acceptsBrotli(header) {
  return (header ?? "").split(",").some((item) => {
    const [token, ...parameters] = item.split(";").map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith("q="));
    return (token === "br" || token === "*") && (q === void 0 || Number(q.slice(2)) > 0);
  });
}

// src/registry/layout.ts
var CACHE_CONTROL = { immutable: "public, max-age=31536000, immutable", mutable: "no-cache" };
var registryKeys = {
  bundle: (appId, version) => `${appId}/bundles/${version}/bundle.zip`,
  manifest: (appId, version) => `${appId}/bundles/${version}/manifest.json`,
  /** The QR code of the preview link, for the pull-request comment; devices never read it. */
  previewQrCode: (appId, version) => `${appId}/bundles/${version}/preview-qr.svg`,
  /**
   * One file of the bundles, by the sha256 of its bytes, stored once whichever bundles hold it;
   * `.br` when stored brotli-compressed (storedFile in registry/stored-file.ts says which).
   */
  file: (appId, sha256, brotli) => `${appId}/files/${sha256}${brotli ? ".br" : ""}`,
  filesPrefix: (appId) => `${appId}/files/`,
  pointer: (appId, channel) => `${appId}/channels/${channel}.json`,
  bundlesPrefix: (appId) => `${appId}/bundles/`,
  channelsPrefix: (appId) => `${appId}/channels/`,
  /** A closed pull request's preview channel: written before its cleanup, checked by every publish; devices never read it. */
  closedChannel: (appId, channel) => `${appId}/closed-channels/${channel}.json`
};

// src/registry/pointer.ts
function currentRelease(pointer) {
  const { version, url, checksum, size, nativeFingerprint, native, signature, publishedAt, promotedFrom } = pointer;
  return { version, url, checksum, size, nativeFingerprint, publishedAt, ...native ? { native } : {}, ...signature ? { signature } : {}, ...promotedFrom ? { promotedFrom } : {} };
}

// src/endpoint/channels.ts
var NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
var isRegistryName = (name) => typeof name === "string" && NAME.test(name) && !name.includes("..");
var HEX64 = /^[0-9a-f]{64}$/;
function isRelease(value) {
  const release = value;
  return !!release && typeof release === "object" && typeof release.version === "string" && typeof release.url === "string" && typeof release.checksum === "string" && HEX64.test(release.checksum);
}
function parsePointer(text2) {
  let value;
  try {
    value = JSON.parse(text2);
  } catch (error) {
    return { reason: `it is not JSON (${error.message})` };
  }
  if (!isRelease(value)) return { reason: "it has no version, url and sha256 checksum" };
  const pointer = value;
  const previous = Array.isArray(pointer.previous) ? pointer.previous.filter(isRelease) : [];
  const rollout = pointer.rollout && typeof pointer.rollout.percent === "number" && isRelease(pointer.rollout.replaces) ? pointer.rollout : void 0;
  return { pointer: { ...pointer, previous, ...rollout ? { rollout } : { rollout: void 0 } } };
}
var MAX_CACHED = 1e4;
var ChannelStore = class {
  constructor(options) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }
  options;
  cache = /* @__PURE__ */ new Map();
  now;
  lookup(appId, channel) {
    const key = `${appId}/${channel}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && cached.expires > now) return cached.lookup;
    const lookup = this.read(appId, channel);
    if (this.options.cacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value);
      this.cache.set(key, { expires: now + this.options.cacheSeconds * 1e3, lookup });
      void lookup.then((result) => {
        if (result.kind === "unreachable" && this.cache.get(key)?.lookup === lookup) this.cache.delete(key);
      });
    }
    return lookup;
  }
  async read(appId, channel) {
    const { registry, log } = this.options;
    const read = await registry.read(registryKeys.pointer(appId, channel));
    if (read.kind === "unreachable") {
      log(`registry ${registry.location} unreachable for ${appId}/${channel}: ${read.reason}`);
      return read;
    }
    if (read.kind === "missing") {
      const closed = await registry.read(registryKeys.closedChannel(appId, channel));
      return closed.kind === "found" ? { kind: "closed" } : { kind: "missing" };
    }
    const parsed = parsePointer(read.text);
    if ("reason" in parsed) {
      const reason = `the pointer ${registryKeys.pointer(appId, channel)} does not parse: ${parsed.reason}`;
      log(reason);
      return { kind: "invalid", reason };
    }
    return { kind: "found", pointer: parsed.pointer, current: currentRelease(parsed.pointer) };
  }
  /** The app's channels, where the registry can list them. */
  async list(appId) {
    return this.options.registry.listChannels ? this.options.registry.listChannels(appId) : void 0;
  }
};
var SelfAssignPolicy = class {
  constructor(rules) {
    this.rules = rules;
    this.patterns = rules.map((rule) => new RegExp(`^${rule.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`));
  }
  rules;
  patterns;
  allows(channel) {
    return this.patterns.some((pattern) => pattern.test(channel));
  }
  /** The rules that name one channel, for listing where the registry cannot list. */
  literals() {
    return this.rules.filter((rule) => !rule.includes("*") && isRegistryName(rule));
  }
};

// src/endpoint/http.ts
function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}
async function readJsonBody(request, maxBytes) {
  const tooLarge = { ok: false, status: 413, code: "body_too_large", message: `The request body is larger than ${maxBytes} bytes.` };
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return tooLarge;
  if (!request.body) return { ok: false, status: 400, code: "invalid_body", message: "The request has no body: send the JSON the plugin sends." };
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  try {
    for (; ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return tooLarge;
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400, code: "invalid_body", message: "The request body broke off before its end." };
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, status: 400, code: "invalid_body", message: "The request body is not JSON in UTF-8." };
  }
}
var isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

// src/registry/releases.ts
var PLATFORMS = ["android", "ios"];
function newestCompatible(releases, device) {
  const recordsVersions = releases.some((release) => release.native?.[device.platform]);
  if (!recordsVersions) return releases[0];
  const built2 = releases.find((release) => release.native?.[device.platform]?.name === device.versionName);
  if (!built2) return void 0;
  return releases.find((release) => release.nativeFingerprint === built2.nativeFingerprint);
}
async function rolloutBucket(key) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  const word = (digest[0] << 24 | digest[1] << 16 | digest[2] << 8 | digest[3]) >>> 0;
  return Math.floor(word / 2 ** 32 * 1e4);
}
async function inRollout(deviceId, version, percent) {
  if (percent >= 100) return true;
  return await rolloutBucket(`${version}:${deviceId}`) < Math.round(percent * 100);
}
async function releaseFor(current, channel, device) {
  const history = [current, ...(channel.previous ?? []).filter((release) => release.version !== current.version)];
  const rollout = channel.rollout;
  if (rollout && !await inRollout(device.deviceId, current.version, rollout.percent)) {
    const others = history.filter((release) => release.version !== current.version);
    const withReplaced = others.some((release) => release.version === rollout.replaces.version) ? others : [rollout.replaces, ...others];
    return newestCompatible(withReplaced, device);
  }
  return newestCompatible(history, device);
}

// src/endpoint/selection.ts
var refuse = (status, code, message) => ({ kind: "refused", status, code, message });
var UNREACHABLE = refuse(503, "registry_unreachable", "The update registry cannot be read right now; the endpoint logs why.");
var UNREADABLE = (channel) => refuse(502, "channel_unreadable", `The pointer of channel "${channel}" does not parse; the endpoint logs why.`);
async function selectRelease(context, appId, requested, device) {
  const channel = requested || context.defaultChannel;
  const lookup = await context.channels.lookup(appId, channel);
  switch (lookup.kind) {
    case "found": {
      const release = await releaseFor(lookup.current, lookup.pointer, device);
      if (release) return { kind: "release", channel, release };
      return { kind: "none", channel, message: `Channel "${channel}" has no bundle for ${device.platform} native version ${device.versionName || "(none)"}.` };
    }
    case "closed":
      if (channel === context.defaultChannel) return refuse(404, "channel_not_found", `Channel "${channel}" of app ${appId} was closed.`);
      context.log(`${appId}: channel ${channel} was closed; device ${device.deviceId} gets ${context.defaultChannel}`);
      return selectRelease(context, appId, context.defaultChannel, device);
    case "missing":
      return refuse(404, "channel_not_found", `No channel "${channel}" for app ${appId} in the registry: publish to it first, or check the app id and channel.`);
    case "invalid":
      return UNREADABLE(channel);
    case "unreachable":
      return UNREACHABLE;
  }
}
async function selfAssignable(appId, context) {
  const listed = await context.channels.list(appId);
  const candidates = [.../* @__PURE__ */ new Set([context.defaultChannel, ...listed ?? [], ...context.selfAssign.literals()])].filter((name) => context.selfAssign.allows(name) || name === context.defaultChannel);
  const found = [];
  for (const name of candidates) {
    const lookup = await context.channels.lookup(appId, name);
    if (lookup.kind === "unreachable") return UNREACHABLE;
    if (lookup.kind === "found") found.push(name);
  }
  return found;
}

// src/endpoint/capawesome.ts
var failure = (refusal) => json(refusal.status, { error: refusal.code, message: refusal.message });
var PLATFORM_CODES = { "0": "android", "1": "ios" };
async function capawesomeLatestBundle(request, appId, context) {
  const query = new URL(request.url).searchParams;
  const platform = PLATFORM_CODES[query.get("platform") ?? ""];
  if (!platform) return failure(refuse(400, "invalid_platform", "The platform query parameter is neither 0 (Android) nor 1 (iOS)."));
  const deviceId = query.get("deviceId") || request.headers.get("x-capawesome-device-id") || "";
  if (!deviceId || deviceId.length > 200) return failure(refuse(400, "invalid_device_id", "The request has no deviceId."));
  const channelName = query.get("channelName") ?? "";
  if (channelName && !isRegistryName(channelName)) return failure(refuse(400, "invalid_channel", `"${String(channelName).slice(0, 64)}" is not a channel name.`));
  const versionCode = query.get("appVersionCode");
  const device = { platform, versionName: query.get("appVersionName") ?? "", ...versionCode ? { versionCode } : {}, deviceId };
  const selection = await selectRelease(context, appId, channelName, device);
  if (selection.kind === "refused") return failure(selection);
  if (selection.kind === "none") return failure(refuse(404, "no_bundle_for_native_build", selection.message));
  const { version, url, checksum, signature } = selection.release;
  const files = context.brotli && !signature ? await context.files.of(appId, selection.release) : void 0;
  if (files) {
    return json(200, { artifactType: "manifest", bundleId: version, channelName: selection.channel, url: `${publicOrigin(request)}${filesPath(appId, version)}`, checksum: null, signature: null });
  }
  return json(200, { artifactType: "zip", bundleId: version, channelName: selection.channel, url, checksum, signature: signature ?? null });
}
var CAPAWESOME_MANIFEST = "capawesome-live-update-manifest.json";
var filesPath = (appId, version) => `/v1/apps/${encodeURIComponent(appId)}/bundles/${encodeURIComponent(version)}/files`;
var LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;
function publicOrigin(request) {
  const url = new URL(request.url);
  const forwarded = request.headers.get("x-forwarded-host")?.split(",")[0].trim();
  if (forwarded && /^[A-Za-z0-9.-]+(:\d+)?$/.test(forwarded)) return `https://${forwarded}`;
  return url.protocol === "http:" && LOOPBACK.test(url.hostname) ? url.origin : `https://${url.host}`;
}
function hrefOf(search) {
  for (const item of search.replace(/^\?/, "").split("&")) {
    const equals = item.indexOf("=");
    if (equals < 0 || item.slice(0, equals) !== "href") continue;
    try {
      return decodeURIComponent(item.slice(equals + 1));
    } catch {
      return void 0;
    }
  }
  return void 0;
}
var sha256Hex = async (bytes) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
async function manifestOf(files) {
  const encoder = new TextEncoder();
  const items = await Promise.all(files.filter((file) => file.path !== CAPAWESOME_MANIFEST).map(async (file) => ({
    href: file.path,
    checksum: await sha256Hex(encoder.encode(`${file.path}
${file.sha256}`)),
    sizeInBytes: file.size
  })));
  return encoder.encode(JSON.stringify(items));
}
var servedVersions = /* @__PURE__ */ new WeakMap();
function servedVersion(files) {
  let version = servedVersions.get(files);
  if (!version) {
    version = { manifest: manifestOf(files).then(async (bytes) => ({ bytes, sha256: await sha256Hex(bytes) })), byPath: new Map(files.map((file) => [file.path, file])) };
    servedVersions.set(files, version);
  }
  return version;
}
function fileAnswer(bytes, sha256, headers) {
  const init = { status: 200, headers: { "x-checksum": sha256, "cache-control": CACHE_CONTROL.immutable, vary: "accept-encoding", ...headers }, ...headers["content-encoding"] ? { encodeBody: "manual" } : {} };
  return new Response(bytes, init);
}
async function capawesomeBundleFile(request, appId, version, context) {
  const decode = context.brotli;
  if (!decode) return failure(refuse(404, "files_not_served", "This endpoint serves bundles as zips only: its runtime cannot decode brotli."));
  const href = hrefOf(new URL(request.url).search);
  if (!href) return failure(refuse(400, "invalid_href", "The request names no file: add ?href=<path of the file in the bundle>."));
  const stored = await context.files.ofVersion(appId, version);
  if (stored.kind === "unreachable") return failure(UNREACHABLE);
  if (stored.kind === "none") return failure(refuse(404, "bundle_not_found", `Version ${version} of app ${appId} has no files in the registry.`));
  const served = servedVersion(stored.files);
  if (href === CAPAWESOME_MANIFEST) {
    const manifest = await served.manifest;
    return fileAnswer(manifest.bytes, manifest.sha256, { "content-type": "application/json; charset=utf-8", "cache-control": CACHE_CONTROL.mutable });
  }
  const file = served.byPath.get(href);
  if (!file) return failure(refuse(404, "file_not_found", `Version ${version} of app ${appId} has no file "${href.slice(0, 200)}".`));
  const read = await context.registry.readBytes(file.key);
  if (read.kind !== "found") {
    context.log(`${appId} ${version}: cannot read ${file.key} for ${href}: ${read.kind === "missing" ? "missing" : read.reason}`);
    return failure(read.kind === "missing" ? refuse(502, "file_missing", "The registry lacks a file of this bundle; the endpoint logs which.") : UNREACHABLE);
  }
  const type = { "content-type": "application/octet-stream" };
  if (!file.brotli) return fileAnswer(read.bytes, file.sha256, type);
  if (acceptsBrotli(request.headers.get("accept-encoding"))) return fileAnswer(read.bytes, file.sha256, { ...type, "content-encoding": "br" });
  try {
    return fileAnswer(await decode(read.bytes), file.sha256, type);
  } catch (error) {
    context.log(`${appId} ${version}: ${file.key} does not decode as brotli: ${error.message}`);
    return failure(refuse(502, "file_unreadable", "A file of this bundle does not decode; the endpoint logs which."));
  }
}
async function capawesomeChannels(request, appId, context) {
  const query = new URL(request.url).searchParams;
  const channels = await selfAssignable(appId, context);
  if ("kind" in channels) return failure(channels);
  const search = query.get("query") ?? "";
  const offset = Math.max(0, Number(query.get("offset") ?? "0") || 0);
  const limit = Math.max(0, Number(query.get("limit") ?? "0") || 0) || channels.length;
  const page = channels.filter((name) => name.includes(search)).slice(offset, offset + limit);
  return json(200, page.map((name) => ({ id: name, name })));
}

// src/endpoint/capgo.ts
var failure2 = (refusal, update = false) => json(refusal.status, { error: refusal.code, message: refusal.message, ...update ? { kind: "failed" } : {} });
var text = (value) => typeof value === "string" ? value : void 0;
function deviceInfo(body) {
  if (!isObject(body)) return refuse(400, "invalid_body", "The request body is not the JSON object the plugin sends.");
  const appId = body.app_id;
  if (!isRegistryName(appId)) return refuse(400, "invalid_app_id", "The request has no valid app_id: set appId in capacitor.config.");
  const platform = body.platform;
  if (!PLATFORMS.includes(platform)) return refuse(400, "invalid_platform", "The request's platform is neither android nor ios.");
  const deviceId = text(body.device_id);
  if (!deviceId || deviceId.length > 200) return refuse(400, "invalid_device_id", "The request has no device_id.");
  const defaultChannel = text(body.defaultChannel) ?? "";
  if (defaultChannel && !isRegistryName(defaultChannel)) return refuse(400, "invalid_channel", `"${String(defaultChannel).slice(0, 64)}" is not a channel name.`);
  const versionCode = text(body.version_code);
  return {
    appId,
    defaultChannel,
    versionName: text(body.version_name) ?? "",
    channel: body.channel,
    device: { platform, versionName: text(body.version_build) ?? "", ...versionCode ? { versionCode } : {}, deviceId }
  };
}
async function readInfo(request, context) {
  const body = await readJsonBody(request, context.maxBodyBytes);
  if (!body.ok) return refuse(body.status, body.code, body.message);
  return deviceInfo(body.value);
}
async function capgoUpdate(request, context) {
  const info = await readInfo(request, context);
  if ("kind" in info) return failure2(info, true);
  const selection = await selectRelease(context, info.appId, info.defaultChannel, info.device);
  if (selection.kind === "refused") return failure2(selection, true);
  if (selection.kind === "none" || selection.release.version === info.versionName) {
    const message = selection.kind === "none" ? selection.message : "No new version available";
    return json(200, { kind: "up_to_date", error: "no_new_version_available", message, version: info.versionName });
  }
  const { version, url, checksum } = selection.release;
  const files = await context.files.of(info.appId, selection.release);
  const manifest = files?.map((file) => ({ file_name: file.brotli ? `${file.path}.br` : file.path, file_hash: file.sha256, download_url: file.url }));
  return json(200, { version, url, checksum, ...manifest ? { manifest } : {} });
}
async function capgoChannel(request, context) {
  if (request.method === "GET") return capgoListChannels(request, context);
  const info = await readInfo(request, context);
  if ("kind" in info) return failure2(info);
  if (request.method === "PUT") {
    const channel = info.defaultChannel || context.defaultChannel;
    return json(200, { channel, status: info.defaultChannel ? "self" : "default", allowSet: true });
  }
  return setChannel(info, context);
}
async function setChannel(info, context) {
  const channel = info.channel;
  if (!isRegistryName(channel)) return failure2(refuse(400, "invalid_channel", "The request names no valid channel."));
  if (!context.selfAssign.allows(channel)) {
    return failure2(refuse(403, "channel_self_set_not_allowed", `Devices may not choose channel "${channel}" themselves (allowed: ${context.selfAssign.rules.join(", ")}).`));
  }
  if (channel === context.defaultChannel) {
    return json(200, { status: "ok", unset: true, message: `Channel "${channel}" is the default channel.` });
  }
  const lookup = await context.channels.lookup(info.appId, channel);
  if (lookup.kind === "unreachable") return failure2(UNREACHABLE);
  if (lookup.kind === "invalid") return failure2(UNREADABLE(channel));
  if (lookup.kind !== "found") return failure2(refuse(400, "channel_not_found", `No channel "${channel}" for app ${info.appId} in the registry.`));
  context.log(`${info.appId}: device ${info.device.deviceId} chose channel ${channel}`);
  return json(200, { status: "ok", message: `The device now takes its updates from channel "${channel}".` });
}
async function capgoListChannels(request, context) {
  const appId = new URL(request.url).searchParams.get("app_id");
  if (!isRegistryName(appId)) return failure2(refuse(400, "invalid_app_id", "The request has no valid app_id: set appId in capacitor.config."));
  const channels = await selfAssignable(appId, context);
  if ("kind" in channels) return failure2(channels);
  const listed = await Promise.all(channels.map(async (name) => ({ id: await channelNumber(name), name, public: name === context.defaultChannel, allow_self_set: true })));
  return json(200, listed);
}
async function channelNumber(name) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  return (digest[0] << 16 | digest[1] << 8 | digest[2]) + 1;
}
var MAX_EVENTS_LOGGED = 200;
var STATS_MAX_BYTES = 512 * 1024;
async function capgoStats(request, context) {
  const body = await readJsonBody(request, Math.max(context.maxBodyBytes, STATS_MAX_BYTES));
  if (!body.ok) return failure2(refuse(body.status, body.code, body.message));
  const events = Array.isArray(body.value) ? body.value : [body.value];
  if (!events.every(isObject)) return failure2(refuse(400, "invalid_body", "A stats event is not a JSON object."));
  for (const event of events.slice(0, MAX_EVENTS_LOGGED)) {
    const field = (name) => typeof event[name] === "string" || typeof event[name] === "number" ? String(event[name]).slice(0, 128) : "-";
    context.log(`stats ${field("app_id")} ${field("platform")} device=${field("device_id")} action=${field("action")} version=${field("version_name")} old=${field("old_version_name")} channel=${field("defaultChannel")}`);
  }
  return json(200, { status: "ok" });
}

// src/bundle/compressed-formats.ts
var COMPRESSED_EXTENSIONS = /* @__PURE__ */ new Set([
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".avif",
  ".heic",
  ".ico",
  ".woff",
  ".woff2",
  ".mp3",
  ".mp4",
  ".m4a",
  ".webm",
  ".ogg",
  ".zip",
  ".gz",
  ".br",
  ".zst"
]);
function isCompressedFormat(path) {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 && COMPRESSED_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

// src/registry/stored-file.ts
function storedFile(appId, file) {
  const brotli = file.path.endsWith(".br") || file.size > 0 && !isCompressedFormat(file.path);
  return { key: registryKeys.file(appId, file.sha256, brotli), brotli };
}

// src/endpoint/bundle-files.ts
var MAX_CACHED2 = 1e3;
function parseFiles(text2) {
  try {
    const manifest = JSON.parse(text2);
    if (manifest.contentAddressedFiles !== true || !Array.isArray(manifest.files)) return void 0;
    const files = manifest.files;
    return files.every((f) => typeof f.path === "string" && typeof f.sha256 === "string" && /^[0-9a-f]{64}$/.test(f.sha256) && typeof f.size === "number") ? files : void 0;
  } catch {
    return void 0;
  }
}
var BundleFiles = class {
  constructor(registry) {
    this.registry = registry;
  }
  registry;
  cache = /* @__PURE__ */ new Map();
  /** The release's files at their registry URLs, or undefined for a release downloaded as its zip. */
  async of(appId, release) {
    const bundleKey = registryKeys.bundle(appId, release.version);
    if (!release.url.endsWith(`/${bundleKey}`)) return void 0;
    const base = release.url.slice(0, -bundleKey.length);
    const stored = await this.ofVersion(appId, release.version);
    return stored.kind === "files" ? stored.files.map((file) => ({ ...file, url: `${base}${file.key}` })) : void 0;
  }
  /** The files of a stored version, by its manifest. */
  ofVersion(appId, version) {
    const key = `${appId}/${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const files = this.read(appId, version, key);
    if (this.cache.size >= MAX_CACHED2) this.cache.delete(this.cache.keys().next().value);
    this.cache.set(key, files);
    return files;
  }
  async read(appId, version, cacheKey) {
    const read = await this.registry.read(registryKeys.manifest(appId, version));
    if (read.kind !== "found") {
      this.cache.delete(cacheKey);
      return read.kind === "missing" ? { kind: "none" } : { kind: "unreachable" };
    }
    const files = parseFiles(read.text);
    return files ? { kind: "files", files: files.map((file) => ({ path: file.path, sha256: file.sha256, size: file.size, ...storedFile(appId, file) })) } : { kind: "none" };
  }
};

// src/registry/endpoint-routes.ts
var CAPGO_ROUTES = { updateUrl: "/updates", channelUrl: "/channel_self", statsUrl: "/stats" };

// src/endpoint/handler.ts
var CAPAWESOME = /^\/v1\/apps\/([^/]+)\/(bundles\/latest|channels)$/;
var CAPAWESOME_FILES = /^\/v1\/apps\/([^/]+)\/bundles\/([^/]+)\/files$/;
var VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,127}$/;
function createHandler(options) {
  const defaultChannel = options.defaultChannel ?? "production";
  if (!isRegistryName(defaultChannel)) throw new Error(`The default channel "${defaultChannel}" is not a channel name.`);
  const brotli = options.brotliDecode ?? streamBrotliDecoder();
  const context = {
    registry: options.registry,
    files: new BundleFiles(options.registry),
    ...brotli ? { brotli } : {},
    channels: new ChannelStore({ registry: options.registry, cacheSeconds: options.cacheSeconds ?? 5, now: options.now, log: options.log }),
    defaultChannel,
    selfAssign: new SelfAssignPolicy(options.selfAssign ?? ["*"]),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    log: options.log
  };
  return async (request) => {
    try {
      return await route(request, context);
    } catch (error) {
      options.log(`internal error on ${request.method} ${new URL(request.url).pathname}: ${error.stack ?? String(error)}`);
      return json(500, { error: "internal_error", message: "The update endpoint failed; its log says why.", kind: "failed" });
    }
  };
}
var notAllowed = (allowed) => new Response(JSON.stringify({ error: "method_not_allowed", message: `Use ${allowed}.` }), { status: 405, headers: { allow: allowed, "content-type": "application/json; charset=utf-8" } });
var invalidAppId = () => json(400, { error: "invalid_app_id", message: "The path names no valid app id: set appId in capacitor.config." });
function decoded(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return void 0;
  }
}
async function route(request, context) {
  const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
  const method = request.method;
  if (path === CAPGO_ROUTES.updateUrl) return method === "POST" ? capgoUpdate(request, context) : notAllowed("POST");
  if (path === CAPGO_ROUTES.channelUrl) return ["POST", "PUT", "GET"].includes(method) ? capgoChannel(request, context) : notAllowed("POST, PUT, GET");
  if (path === CAPGO_ROUTES.statsUrl) return method === "POST" ? capgoStats(request, context) : notAllowed("POST");
  const capawesome = CAPAWESOME.exec(path);
  if (capawesome) {
    if (method !== "GET") return notAllowed("GET");
    const appId = decoded(capawesome[1]);
    if (!isRegistryName(appId)) return invalidAppId();
    return capawesome[2] === "channels" ? capawesomeChannels(request, appId, context) : capawesomeLatestBundle(request, appId, context);
  }
  const files = CAPAWESOME_FILES.exec(path);
  if (files) {
    if (method !== "GET") return notAllowed("GET");
    const [appId, version] = [decoded(files[1]), decoded(files[2])];
    if (!isRegistryName(appId)) return invalidAppId();
    if (!version || !VERSION.test(version) || version.includes("..")) return json(400, { error: "invalid_version", message: "The path names no valid bundle version." });
    return capawesomeBundleFile(request, appId, version, context);
  }
  if (path === "/health") return json(200, { status: "ok" });
  return json(404, { error: "not_found", message: `Nothing answers ${path}: the plugins use ${Object.values(CAPGO_ROUTES).join(", ")} and /v1/apps/{appId}/bundles/latest.` });
}

// src/endpoint/options.ts
function endpointOptions(settings) {
  const cacheSeconds = settings.cacheSeconds === void 0 || settings.cacheSeconds === "" ? void 0 : Number(settings.cacheSeconds);
  if (cacheSeconds !== void 0 && !(Number.isFinite(cacheSeconds) && cacheSeconds >= 0 && cacheSeconds <= 3600)) {
    throw new Error(`cache seconds must be a number from 0 to 3600, not "${settings.cacheSeconds}".`);
  }
  const selfAssign = settings.selfAssign?.split(",").map((rule) => rule.trim()).filter(Boolean);
  return {
    ...settings.defaultChannel ? { defaultChannel: settings.defaultChannel } : {},
    ...selfAssign?.length ? { selfAssign } : {},
    ...cacheSeconds !== void 0 ? { cacheSeconds } : {}
  };
}

// src/endpoint/registry-reader.ts
var READ_TIMEOUT_MS = { text: 5e3, bytes: 3e4 };
var UrlRegistryReader = class {
  constructor(baseUrl, fetcher = fetch) {
    this.fetcher = fetcher;
    this.base = baseUrl.replace(/\/+$/, "");
    this.location = this.base;
  }
  fetcher;
  location;
  base;
  read(key) {
    return this.get(key, "application/json", READ_TIMEOUT_MS.text, async (response) => ({ kind: "found", text: await response.text() }));
  }
  readBytes(key) {
    return this.get(key, "*/*", READ_TIMEOUT_MS.bytes, async (response) => ({ kind: "found", bytes: new Uint8Array(await response.arrayBuffer()) }));
  }
  async get(key, accept, timeoutMs, body) {
    const url = `${this.base}/${key}`;
    let response;
    try {
      response = await this.fetcher(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept } });
    } catch (error) {
      return { kind: "unreachable", reason: `GET ${url} failed: ${describe(error)}` };
    }
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      return { kind: "missing" };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: "unreachable", reason: `GET ${url} answered HTTP ${response.status}` };
    }
    try {
      return await body(response);
    } catch (error) {
      return { kind: "unreachable", reason: `GET ${url} broke off: ${describe(error)}` };
    }
  }
};
function describe(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

// src/endpoint/worker.ts
var built;
function handlerFor(env) {
  const key = JSON.stringify([env.REGISTRY_URL, env.DEFAULT_CHANNEL, env.SELF_ASSIGN, env.CACHE_SECONDS]);
  if (built?.key !== key) {
    const options = endpointOptions({ defaultChannel: env.DEFAULT_CHANNEL, selfAssign: env.SELF_ASSIGN, cacheSeconds: env.CACHE_SECONDS });
    built = { key, handler: createHandler({ registry: new UrlRegistryReader(env.REGISTRY_URL), log: (line) => console.log(line), ...options }) };
  }
  return built.handler;
}
var worker_default = {
  async fetch(request, env) {
    if (!env.REGISTRY_URL || !/^https?:\/\//.test(env.REGISTRY_URL)) {
      console.log("REGISTRY_URL is not set to an http(s) URL");
      return Response.json({ error: "missing_config", message: "The endpoint has no registry: set REGISTRY_URL in wrangler.toml [vars] to the registry's public URL.", kind: "failed" }, { status: 500 });
    }
    try {
      return await handlerFor(env)(request);
    } catch (error) {
      console.log(`configuration error: ${error.message}`);
      return Response.json({ error: "invalid_config", message: error.message, kind: "failed" }, { status: 500 });
    }
  }
};
export {
  worker_default as default
};
