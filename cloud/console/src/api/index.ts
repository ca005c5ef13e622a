// The cloud's /v1 API (CONTRACT.md "Cloud HTTP API" and v2 "Fleet") as the console reads it, by area.
// Every answer is parsed into the area modules' shapes field by field (json.ts): no `any` crosses here.
export { ApiError, api, type ProblemError } from './client.js';
export * from './deliveries.js';
export * from './fleet.js';
export * from './prices.js';
export * from './replenishment.js';
export * from './reservations.js';
export * from './stock.js';
