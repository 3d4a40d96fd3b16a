import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A PEM file on disk (for syslog-ng) and its text (for Node). */
export interface PemFile {
  path: string;
  pem: string;
}

export interface TestCerts {
  dir: string;
  ca: PemFile;
  /** For 127.0.0.1, ::1 and localhost, signed by `ca`. */
  server: { cert: PemFile; key: PemFile };
  /** For mutual TLS, signed by `ca`. */
  client: { cert: PemFile; key: PemFile };
  /** A second, unrelated CA: verifying the server against it must fail. */
  otherCa: PemFile;
  cleanup(): Promise<void>;
}

const DAYS = "2";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Generates a throw-away CA, a server certificate for loopback and a client certificate with openssl. */
export async function generateTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "herald-certs-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });

  async function selfSignedCa(name: string, subject: string): Promise<void> {
    await openssl(
      "req",
      "-x509",
      ...EC_KEY,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      DAYS,
      "-subj",
      subject,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  }

  async function signedByCa(name: string, subject: string, extensions: string): Promise<void> {
    await openssl(
      "req",
      "-new",
      ...EC_KEY,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    );
    await writeFile(file(`${name}.ext`), extensions);
    await openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      DAYS,
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    );
  }

  try {
    await selfSignedCa("ca", "/CN=Herald Test CA");
    await selfSignedCa("other-ca", "/CN=Unrelated Test CA");
    await signedByCa(
      "server",
      "/CN=localhost",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n" +
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
    );
    await signedByCa(
      "client",
      "/CN=herald-test-client",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const pemFile = async (name: string): Promise<PemFile> => ({
    path: file(name),
    pem: await readFile(file(name), "utf8"),
  });
  return {
    dir,
    ca: await pemFile("ca.pem"),
    server: { cert: await pemFile("server.pem"), key: await pemFile("server.key") },
    client: { cert: await pemFile("client.pem"), key: await pemFile("client.key") },
    otherCa: await pemFile("other-ca.pem"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
