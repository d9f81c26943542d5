/**
 * Self-signed certificates for webhook servers: a throw-away CA and a serving certificate it signs,
 * with the given host names and IP addresses as SANs (Kopf does the same with `certbuilder`).
 *
 * node:crypto makes and uses keys but cannot build X.509 certificates, so the keys come from
 * node:crypto (native, fast) and node-forge only assembles and signs the certificates. node-forge
 * is imported on first use: operators without webhooks, or with certificate files, never load it.
 * Why node-forge: see docs/webhooks.md, "Certificates".
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export interface GeneratedCertificate {
  /** The serving certificate, PEM. */
  cert: string;
  /** Its private key, PEM (PKCS#1). */
  key: string;
  /** The CA certificate that signed it (what the API server must trust), PEM. */
  ca: string;
}

/** Generated certificates are valid this long: far beyond any operator run, they live in memory only. */
const VALIDITY_DAYS = 365;

/** A CA and a serving certificate for `names` (DNS names and IP addresses; the first is the CN). */
export async function generateCertificate(names: readonly string[]): Promise<GeneratedCertificate> {
  const unique = [...new Set(names.filter(Boolean))];
  if (unique.length === 0) throw new Error('A webhook certificate needs at least one host name or address.');
  const { default: forge } = await import('node-forge');
  const { pki } = forge;
  const keyPair = () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
      publicKey: pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    };
  };
  const certificate = (publicKey: ReturnType<typeof keyPair>['publicKey'], commonName: string) => {
    const cert = pki.createCertificate();
    cert.publicKey = publicKey;
    // A positive serial (leading byte < 0x80), random so that re-generated CAs never collide.
    cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
    cert.validity.notBefore = new Date(Date.now() - 60_000); // tolerate a little clock skew
    cert.validity.notAfter = new Date(Date.now() + VALIDITY_DAYS * 86_400_000);
    cert.setSubject([{ name: 'commonName', value: commonName }]);
    return cert;
  };

  const caKeys = keyPair();
  const ca = certificate(caKeys.publicKey, 'kopf-ts webhook CA');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = keyPair();
  const server = certificate(serverKeys.publicKey, unique[0]!.slice(0, 64));
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      // Type 7 is an IP address, type 2 a DNS name (RFC 5280, GeneralName).
      altNames: unique.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    cert: pki.certificateToPem(server),
    key: pki.privateKeyToPem(serverKeys.privateKey),
    ca: pki.certificateToPem(ca),
  };
}
