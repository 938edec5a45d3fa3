// The one redaction of locations, and the split of a URL into what settings store and what
// SecretStorage keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactLocation, splitPassword } from '../../src/core/instance/redact';

describe('redactLocation', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://postgres:SEC@host:5432/db', 'postgresql://postgres:***@host:5432/db'],
    ['postgresql://:SEC@host:notaport/db', 'postgresql://:***@host:notaport/db'],
    ['postgres://u:p@ss@host/db', 'postgres://u:***@host/db'],
    ['postgresql://postgres@host/db?password=SEC', 'postgresql://postgres@host/db?password=***'],
    ['postgresql://postgres@host/db?sslmode=disable&PassWord=SEC&x=1', 'postgresql://postgres@host/db?sslmode=disable&PassWord=***&x=1'],
    ['Cannot reach postgresql://u@h/db?password=SEC: refused', 'Cannot reach postgresql://u@h/db?password=***: refused'],
    ["host=h password='S E C' dbname=x", 'host=h password=*** dbname=x'],
    ['sslpassword=SEC&x=1', 'sslpassword=***&x=1'],
    ['/data/lamin.db and s3://bucket/key stay', '/data/lamin.db and s3://bucket/key stay'],
    // pg takes an unencoded `/`, `?`, `#`, `@` or space in the userinfo's password as part of it.
    ['postgresql://u:pa/SEC@127.0.0.1:1/db', 'postgresql://u:***@127.0.0.1:1/db'],
    ['postgresql://u:pa?SEC@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://u:pa#SEC@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://u:pa SEC@h/db', 'postgresql://u:***@h/db'],
    ['cannot reach postgresql://u:a/b SEC@h:5432/db: refused', 'cannot reach postgresql://u:***@h:5432/db: refused'],
    ['from postgresql://u:SEC@h/a to postgresql://v:SEC2@k/b', 'from postgresql://u:***@h/a to postgresql://v:***@k/b'],
    // pg decodes a query key: pass%77ord is the password.
    ['postgresql://u@h/db?pass%77ord=SEC', 'postgresql://u@h/db?pass%77ord=***'],
    ['postgresql://u@h/db?x=1&%70assword=SEC&y=2', 'postgresql://u@h/db?x=1&%70assword=***&y=2'],
    ['postgresql://u@h/db?ssl%70assword=SEC', 'postgresql://u@h/db?ssl%70assword=***'],
    ['postgresql://u@h/db?applic%61tion_name=keep', 'postgresql://u@h/db?applic%61tion_name=keep'],
  ];
  for (const [input, expected] of cases) {
    it(`redacts ${input}`, () => {
      assert.equal(redactLocation(input), expected);
      assert.ok(!redactLocation(input).includes('SEC') || !input.includes('SEC'));
    });
  }
});

describe('splitPassword (what settings store, what SecretStorage keeps)', () => {
  it('takes the password out of the userinfo and out of a password= parameter in any case', () => {
    assert.deepEqual(splitPassword('postgresql://u:p%40ss@h:5432/db'), { location: 'postgresql://u@h:5432/db', password: 'p@ss' });
    assert.deepEqual(splitPassword('postgresql://u@h/db?PASSWORD=SEC&sslmode=require'), { location: 'postgresql://u@h/db?sslmode=require', password: 'SEC' });
    assert.deepEqual(splitPassword('postgresql://u@h/db'), { location: 'postgresql://u@h/db', password: undefined });
  });

  it('never keeps the secret of a URL it cannot parse', () => {
    const split = splitPassword('postgresql://:SEC@h:notaport/db');
    assert.equal(split.password, undefined);
    assert.ok(!split.location.includes('SEC'), split.location);
  });
});
