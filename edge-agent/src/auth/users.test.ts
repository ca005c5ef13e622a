import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@store-edge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../db/database.js';
import { EventTickets } from './tickets.js';
import { sha256, Users } from './users.js';

const HOUR = 3600_000;

// The store on a real SQLite file with the agent's migrations, and a clock the test moves.
let dir: TempDir;
let db: Db;
let now: number;
const clock = () => new Date(now);

function rawRows(): Array<{ token_hash: string; username: string }> {
  return db.prepare('SELECT token_hash, username FROM api_tokens').all() as Array<{
    token_hash: string;
    username: string;
  }>;
}

beforeEach(() => {
  dir = makeTempDir('store-edge-users-');
  db = openDatabase(join(dir.path, 'ledger.sqlite'));
  now = Date.parse('2026-03-01T08:00:00Z');
});

afterEach(() => {
  db.close();
  dir.remove();
});

describe('users store: tokens', () => {
  it('keeps only a hash of each token, so a backup of the database holds no usable token', async () => {
    const users = new Users(db, clock);
    await users.create('anna', 'password-1234', 'associate');
    const issued = await users.login('anna', 'password-1234');
    const rows = rawRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toBe(sha256(issued!.token));
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all())).not.toContain(issued!.token);
  });

  it('prunes expired tokens on the next login, at most a bounded number per call', async () => {
    const users = new Users(db, clock, { maxTokensPerUser: 1000 });
    await users.create('anna', 'password-1234', 'associate');
    await users.create('ben', 'password-1234', 'admin');
    const anna = users.issue('anna', 'associate'); // 12 h
    users.issue('ben', 'admin'); // 8 h
    now += 9 * HOUR;
    // ben's token expired and nobody used it: it is still a row until something prunes.
    expect(users.tokenCount()).toBe(2);
    users.issue('anna', 'associate');
    expect(users.tokenCount('ben')).toBe(0);
    expect(users.tokenCount('anna')).toBe(2);
    expect(users.authenticate(anna.token)).toEqual({ username: 'anna', role: 'associate' });

    // 250 expired rows: one call removes at most its batch, repeated calls all of them.
    for (let i = 0; i < 250; i++) users.issue('ben', 'admin');
    now += 24 * HOUR;
    expect(users.pruneExpired(100)).toBe(100);
    expect(users.pruneExpired(100)).toBe(100);
    expect(users.pruneExpired(100)).toBe(52); // anna's 2 and the rest of ben's
    expect(users.tokenCount()).toBe(0);
  });

  it('answers null for an expired token and removes its row', async () => {
    const users = new Users(db, clock);
    await users.create('anna', 'password-1234', 'admin');
    const t = users.issue('anna', 'admin');
    now += 8 * HOUR - 1;
    expect(users.authenticate(t.token)).not.toBeNull();
    now += 1;
    expect(users.authenticate(t.token)).toBeNull();
    expect(users.tokenCount()).toBe(0);
  });

  it('caps live tokens per user: a loop of logins ends the oldest sessions, not the table', async () => {
    const users = new Users(db, clock, { maxTokensPerUser: 5 });
    await users.create('anna', 'password-1234', 'associate');
    await users.create('ben', 'password-1234', 'associate');
    const bens = users.issue('ben', 'associate');
    const tokens: string[] = [];
    for (let i = 0; i < 200; i++) {
      tokens.push(users.issue('anna', 'associate').token);
      now += 1000;
    }
    expect(users.tokenCount('anna')).toBe(5);
    expect(users.authenticate(tokens[0]!)).toBeNull();
    expect(users.authenticate(tokens[194]!)).toBeNull();
    for (const t of tokens.slice(-5)) expect(users.authenticate(t)).not.toBeNull();
    // Another user's session is untouched.
    expect(users.authenticate(bens.token)).toEqual({ username: 'ben', role: 'associate' });
  });

  it('ends every session of a user whose role or password changes, and only theirs', async () => {
    const users = new Users(db, clock);
    await users.create('dev', 'password-1234', 'device');
    await users.create('ben', 'password-1234', 'manager');
    const device = users.issue('dev', 'device'); // a year
    const ben = users.issue('ben', 'manager');
    users.setRole('dev', 'associate');
    expect(users.authenticate(device.token)).toBeNull();
    // A new login carries the new role's lifetime (12 h), not a device's year.
    const again = (await users.login('dev', 'password-1234'))!;
    expect(again.role).toBe('associate');
    expect(Date.parse(again.expiresAt) - now).toBe(12 * HOUR);

    await users.setPassword('dev', 'another-password');
    expect(users.authenticate(again.token)).toBeNull();
    expect(await users.login('dev', 'password-1234')).toBeNull();
    expect(users.authenticate(ben.token)).toEqual({ username: 'ben', role: 'manager' });
  });

  it('checks a password without minting a token (MQTT logins)', async () => {
    const users = new Users(db, clock);
    await users.create('anna', 'password-1234', 'manager');
    for (let i = 0; i < 3; i++)
      expect(await users.verify('anna', 'password-1234')).toEqual({ username: 'anna', role: 'manager' });
    expect(await users.verify('anna', 'wrong-password')).toBeNull();
    expect(await users.verify('nobody', 'password-1234')).toBeNull();
    expect(users.tokenCount()).toBe(0);
  });

  it('revokes one token on logout and leaves the user’s other sessions', async () => {
    const users = new Users(db, clock);
    await users.create('anna', 'password-1234', 'manager');
    const a = users.issue('anna', 'manager');
    const b = users.issue('anna', 'manager');
    expect(users.revoke(a.token)).toBe(true);
    expect(users.revoke(a.token)).toBe(false);
    expect(users.authenticate(a.token)).toBeNull();
    expect(users.authenticate(b.token)).not.toBeNull();
  });
});

describe('event tickets', () => {
  it('work once, within their lifetime, for the session that asked', () => {
    const tickets = new EventTickets(() => now, 30_000);
    const grant = { tokenHash: 'h1', username: 'anna' };
    const a = tickets.issue(grant)!;
    expect(Date.parse(a.expiresAt) - now).toBe(30_000);
    expect(tickets.consume(a.ticket)).toEqual(grant);
    expect(tickets.consume(a.ticket)).toBeNull();

    const b = tickets.issue(grant)!;
    now += 30_000;
    expect(tickets.consume(b.ticket)).toBeNull();
    expect(tickets.consume('sev_made-up')).toBeNull();
  });

  it('are bounded per user and in total; expired ones make room again', () => {
    const tickets = new EventTickets(() => now, 30_000, 20, 4);
    for (let i = 0; i < 4; i++) expect(tickets.issue({ tokenHash: 'h', username: 'anna' })).not.toBeNull();
    expect(tickets.issue({ tokenHash: 'h', username: 'anna' })).toBeNull();
    for (let u = 0; u < 4; u++)
      for (let i = 0; i < 4; i++) tickets.issue({ tokenHash: `h${u}`, username: `user-${u}` });
    expect(tickets.size).toBe(20);
    expect(tickets.issue({ tokenHash: 'x', username: 'zoe' })).toBeNull();
    now += 30_000;
    expect(tickets.issue({ tokenHash: 'x', username: 'zoe' })).not.toBeNull();
    expect(tickets.size).toBe(1);
  });

  it('die with the session: a ticket of a logged-out token opens nothing', async () => {
    const users = new Users(db, clock);
    await users.create('anna', 'password-1234', 'manager');
    const t = users.issue('anna', 'manager');
    const session = users.session(t.token)!;
    const ticket = users.tickets.issue({ tokenHash: session.tokenHash, username: 'anna' })!;
    users.revoke(t.token);
    const grant = users.tickets.consume(ticket.ticket);
    expect(grant).not.toBeNull();
    expect(users.sessionByHash(grant!.tokenHash)).toBeNull();
  });
});
