// Store health in MySQL (issue 17, docs/fleet.md): the latest report per store, online/offline
// transitions recorded once, and the backlog history for the console's chart.
export { BACKLOG_RESOLUTIONS, backlogPoints, pruneBacklog } from './backlog.js';
export { recordHealth } from './health-reports.js';
export {
  type FleetStore,
  fleet,
  type StoreHealthView,
  storeHealth,
  type TenantFleetFigures,
  tenantFigures,
} from './queries.js';
export { type FleetClock, type StoreStatus, statusAt } from './status.js';
export { markOffline, silentStores } from './transitions.js';
