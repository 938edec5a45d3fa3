// Used by test/suite.test.ts: one suite that runs and one that is skipped.
import { it } from 'node:test';
import { suite } from './suite';

suite('runs', {}, () => {
  it('passes', () => {});
});
suite('skipped', { skip: 'no Chromium here' }, () => {
  it('never runs', () => {
    throw new Error('ran');
  });
});
