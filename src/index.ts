/** smtprobe library API. */
export * from './model/finding-codes.js';
export * from './model/report.js';
export * from './model/step-data.js';
export * from './model/target.js';
export { Secret } from './model/secret.js';
export { Deadline, systemClock, type Clock } from './model/deadline.js';
