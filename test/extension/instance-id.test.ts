// The id the extension shows and keys SecretStorage with never holds a password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresId } from '../../src/extension/instance-id';

describe('postgresId', () => {
  it('is user@host:port/database, whatever form the password took', () => {
    assert.equal(postgresId('postgresql://u:SEC@h:5433/db'), 'postgres:u@h:5433/db');
    assert.equal(postgresId('postgresql://u@h/db?password=SEC'), 'postgres:u@h:5432/db');
  });

  it('keeps no password of a URL it cannot parse', () => {
    const id = postgresId('postgresql://:SEC@h:notaport/db');
    assert.ok(!id.includes('SEC'), id);
  });
});
