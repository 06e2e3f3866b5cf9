// Synthetic checks of the live site, run by CloudWatch Synthetics (Node.js Playwright runtime,
// no browser needed). pulumi_webstack.canaries renders this file with the stack's expectations
// in place of the CONFIG marker below; the rendered script is what the canary runs, so a
// change of an expected header or of the latency target is a change of the canary's code.
//
// Checks, each a Synthetics step (all run; the canary fails if any fails):
//   health          GET https://<host><healthPath> answers 200, first byte within the target
//   tls-modern      a TLS 1.2+ handshake succeeds with a certificate the runtime trusts
//   tls-<old>       TLS 1.0 and TLS 1.1 handshakes are refused by the server
//   headers-<path>  every promised security header is present with the promised value,
//                   on the home page and on the health endpoint
//   https-redirect  GET http://<host>/ redirects (301/308) to https://<host>/
'use strict';

const http = require('node:http');
const https = require('node:https');
const tls = require('node:tls');

const CONFIG = /* CONFIG */ {};

// Under Synthetics each check is a step of the run report; elsewhere (a test, a laptop) the
// checks run as they are and report to the console.
let synthetics = null;
try {
  ({ synthetics } = require('@aws/synthetics-playwright'));
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
}
const NO_SCREENSHOTS = {
  screenshotOnStepStart: false, screenshotOnStepSuccess: false, screenshotOnStepFailure: false,
};

// TLS alerts and resets with which a server turns a protocol version down.
const REFUSALS = new Set([
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ECONNRESET',
]);

async function step(name, check) {
  if (synthetics) return synthetics.executeStep(name, check, NO_SCREENSHOTS);
  const started = Date.now();
  try {
    const result = await check();
    console.log(`PASS ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    throw error;
  }
}

// https://<host> (or http://), with the port only where it is not the scheme's own.
function origin(scheme) {
  const [port, standard] = scheme === 'https' ? [CONFIG.httpsPort, 443] : [CONFIG.httpPort, 80];
  return `${scheme}://${CONFIG.host}${port === standard ? '' : `:${port}`}`;
}

function fetch(url) {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = client.request(url, {
      method: 'GET',
      agent: false,
      timeout: CONFIG.timeoutMs,
      headers: { 'user-agent': CONFIG.userAgent, 'cache-control': 'no-cache' },
    }, (response) => {
      const firstByteMs = Number(process.hrtime.bigint() - started) / 1e6;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, firstByteMs }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no answer within ${CONFIG.timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

// One handshake pinned to [minVersion, maxVersion]. `legacy` lets this client offer TLS 1.0/1.1
// at all (OpenSSL 3 refuses them at its default security level) and ignores the certificate:
// what is judged is whether the server accepts the protocol, not who it is.
function handshake(minVersion, maxVersion, legacy) {
  return new Promise((resolve) => {
    const options = {
      host: CONFIG.host, port: CONFIG.httpsPort, servername: CONFIG.host, minVersion, maxVersion,
      ALPNProtocols: ['http/1.1'], timeout: CONFIG.timeoutMs,
    };
    if (legacy) Object.assign(options, { ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false });
    const socket = tls.connect(options);
    const done = (outcome) => { socket.destroy(); resolve(outcome); };
    socket.once('secureConnect', () => done({ protocol: socket.getProtocol(), cipher: socket.getCipher().name }));
    socket.once('error', (error) => done({ error }));
    socket.once('timeout', () => done({ error: Object.assign(new Error('handshake timed out'), { code: 'ETIMEDOUT' }) }));
  });
}

async function checkHealth() {
  const { status, firstByteMs } = await fetch(`${origin('https')}${CONFIG.healthPath}`);
  if (status !== 200) throw new Error(`GET ${CONFIG.healthPath} answered ${status}, expected 200`);
  if (firstByteMs > CONFIG.latencyTargetMs) {
    throw new Error(`GET ${CONFIG.healthPath}: first byte after ${Math.round(firstByteMs)} ms, `
      + `over the ${CONFIG.latencyTargetMs} ms target`);
  }
  return `200 in ${Math.round(firstByteMs)} ms`;
}

async function checkModernTls() {
  const outcome = await handshake(CONFIG.acceptedTls[0], CONFIG.acceptedTls[CONFIG.acceptedTls.length - 1], false);
  if (outcome.error) throw new Error(`TLS ${CONFIG.acceptedTls.join('/')} handshake failed: ${outcome.error.message}`);
  if (!CONFIG.acceptedTls.includes(outcome.protocol)) throw new Error(`negotiated ${outcome.protocol}`);
  return `${outcome.protocol} ${outcome.cipher}`;
}

async function checkRefused(version) {
  const outcome = await handshake(version, version, true);
  if (!outcome.error) throw new Error(`the server accepted ${outcome.protocol}: it must refuse ${version}`);
  if (!REFUSALS.has(outcome.error.code)) {
    // Not a refusal by the server (unreachable, or this runtime could not offer the version):
    // nothing was proven, so the check fails rather than passing by accident.
    throw new Error(`${version} handshake inconclusive: ${outcome.error.code || ''} ${outcome.error.message}`);
  }
  return `refused (${outcome.error.code})`;
}

async function checkHeaders(path) {
  const { status, headers } = await fetch(`${origin('https')}${path}`);
  const wrong = Object.entries(CONFIG.headers).flatMap(([name, expected]) => {
    const actual = headers[name.toLowerCase()];
    if (actual === undefined) return [`${name} is missing`];
    return String(actual).trim() === expected ? [] : [`${name} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
  }).concat(CONFIG.present.filter((name) => !String(headers[name.toLowerCase()] || '').trim())
    .map((name) => `${name} is missing`));
  if (wrong.length) throw new Error(`GET ${path} (${status}): ${wrong.join('; ')}`);
  return `${Object.keys(CONFIG.headers).length + CONFIG.present.length} headers as promised`;
}

async function checkRedirect() {
  const { status, headers } = await fetch(`${origin('http')}/`);
  const location = headers.location || '';
  const secure = `${origin('https')}/`;
  if (![301, 308].includes(status) || !location.startsWith(secure)) {
    throw new Error(`GET ${origin('http')}/ answered ${status} to ${JSON.stringify(location)}, `
      + `expected a permanent redirect to ${secure}`);
  }
  return `${status} to ${location}`;
}

exports.handler = async function handler() {
  const checks = [
    ['health', checkHealth],
    ['tls-modern', checkModernTls],
    ...CONFIG.refusedTls.map((version) => [`tls-${version.toLowerCase().replace(/\./g, '')}-refused`, () => checkRefused(version)]),
    ...CONFIG.headerPaths.map((path) => [`headers-${path === '/' ? 'home' : 'health'}`, () => checkHeaders(path)]),
    ['https-redirect', checkRedirect],
  ];
  const failed = [];
  for (const [name, check] of checks) {
    try {
      await step(name, check);
    } catch (error) {
      failed.push(`${name}: ${error.message}`);
    }
  }
  if (failed.length) throw new Error(`${failed.length} of ${checks.length} checks failed: ${failed.join(' | ')}`);
  return `${checks.length} checks passed`;
};
