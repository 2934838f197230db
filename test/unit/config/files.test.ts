// The CURVE key files of zmq.curve, read at start: a malformed key is a ConfigError naming the
// user's key (exit 2), never the publisher's option, and never the secret itself.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { ConfigError, curveKeys } from "../../../src/config/index.js";

// The server key pair of the zmq_curve(7) example; any 40 Z85 characters would do here.
const PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

void describe("curveKeys (zmq.curve)", () => {
  const dir = mkdtempSync(join(tmpdir(), "jgs-curve-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  void it("reads the secret key and the allowed client keys, trimmed", () => {
    const k = curveKeys({ secretKeyFile: file("secret", `${SECRET}\n`), publicKey: PUBLIC, allowedClientKeysFile: file("clients", `${PUBLIC}\n\n${PUBLIC}\n`) });
    assert.deepEqual(k, { secretKey: SECRET, publicKey: PUBLIC, allowedClientKeys: [PUBLIC, PUBLIC] });
  });

  void it("a malformed key names its config key, and the secret's file but not its content", () => {
    const bad = "not-a-key-but-secret";
    const cases: { c: Parameters<typeof curveKeys>[0]; key: string }[] = [
      { c: { secretKeyFile: file("bad-secret", bad), publicKey: PUBLIC, allowedClientKeysFile: null }, key: "zmq.curve.secretKeyFile" },
      { c: { secretKeyFile: file("secret2", SECRET), publicKey: "short", allowedClientKeysFile: null }, key: "zmq.curve.publicKey" },
      { c: { secretKeyFile: file("secret3", SECRET), publicKey: PUBLIC, allowedClientKeysFile: file("bad-clients", `${PUBLIC}\n${bad}\n`) }, key: "zmq.curve.allowedClientKeysFile" },
    ];
    for (const { c, key } of cases) {
      assert.throws(
        () => curveKeys(c),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.equal(e.key, key);
          assert.ok(e.message.startsWith(`${key}:`), e.message);
          assert.ok(!e.message.includes(bad), "the key's content is not in the message");
          return true;
        },
      );
    }
  });
});
