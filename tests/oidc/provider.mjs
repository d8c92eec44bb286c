// A real OpenID Connect provider (oidc-provider, pinned in package.json) on loopback, for the test suite only.
//
//   node tests/oidc/provider.mjs '<json>'
//
// The JSON gives the clients ({client_id, client_secret, redirect_uris}), the accounts ({login: claims}) and
// whether claims go in the ID token (as Microsoft Entra ID puts `email` there) or only at the userinfo endpoint.
// It listens on a free loopback port and prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"}.
//
// Sign-in at the provider uses oidc-provider's own development screens: a login form (any password) and a consent
// form. Every client must use the authorisation code flow with PKCE (S256).
//
// POST /__test__/tamper {"next": "audience" | "expired" | "nonce"} makes the provider re-sign the next ID token it
// issues, with its own key, for another client (`aud` of the second client), already expired, or with another
// nonce: what a relying party must refuse even though the signature is good.
import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || '{}');
const accounts = config.accounts || {};

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'loopback-test-key', alg: 'RS256', use: 'sig' };

let tamper = null;

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  pkce: { required: () => true },
  jwks: { keys: [jwk] },
  cookies: { keys: ['loopback-test-only'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: config.claimsInIdToken === false,
  async findAccount(_ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600,
  },
  features: { devInteractions: { enabled: true } },
});

const otherClient = (config.clients || [])[1]?.client_id || 'another-client';

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || !tamper || !ctx.body || !ctx.body.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  if (tamper === 'audience') {
    claims.aud = otherClient;
    claims.azp = otherClient;
  } else if (tamper === 'expired') {
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  } else if (tamper === 'nonce') {
    claims.nonce = 'not-the-nonce-the-client-sent';
  }
  tamper = null;
  ctx.body.id_token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
    .sign(privateKey);
});

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/__test__/tamper') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      tamper = JSON.parse(body || '{}').next || null;
      res.writeHead(204).end();
    });
    return;
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => { server.close(); process.exit(0); });
