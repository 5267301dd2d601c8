import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made with `openssl` (node:crypto cannot make X.509 certificates): its PEM files in `dir`. */
export interface TestCa {
  name: string;
  certFile: string;
  keyFile: string;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A self-signed CA called `name` (EC P-256, one day). */
export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', certFile);
  return { name, certFile, keyFile };
}

/**
 * A leaf certificate for `cn` signed by `ca`, usable as a TLS server and client certificate, with `dnsNames` and
 * 127.0.0.1 as subject alternative names. Returns its certificate and key files.
 */
export function issueCert(ca: TestCa, dir: string, cn: string, dnsNames: string[] = []): { certFile: string; keyFile: string } {
  const base = join(dir, `${ca.name}-${cn}`);
  const ext = `${base}.ext`;
  writeFileSync(ext, [`subjectAltName=${[...dnsNames.map((d) => `DNS:${d}`), 'IP:127.0.0.1'].join(',')}`, 'extendedKeyUsage=serverAuth,clientAuth', 'basicConstraints=CA:FALSE'].join('\n'));
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${base}.key`, '-out', `${base}.csr`);
  openssl(dir, 'x509', '-req', '-in', `${base}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', `${base}.crt`);
  return { certFile: `${base}.crt`, keyFile: `${base}.key` };
}
