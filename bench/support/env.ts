import { randomBytes } from 'node:crypto';
import { redisConnection as libraryRedisConnection } from '../../src/agent/infrastructure/redis-connections.js';

/** Where the bench finds its servers: a superuser URL (to create and drop its database) and Redis. */
export const adminDatabaseUrl = (): string => process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = (): string => process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Lower-case letters, digits and `_`: valid as a database name, a Redis prefix and a PostgreSQL schema. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export function databaseUrl(name: string): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** ioredis connection options for a redis:// URL (the library's own parsing). */
export const redisConnection = (url = redisUrl()) => libraryRedisConnection(url);
