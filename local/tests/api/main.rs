//! API tests: the real local server on port 0, a fresh embedded engine per test.

mod auth;
mod concurrency;
mod custom_resource;
mod durability;
mod errors;
mod fault_proxy;
mod helpers;
mod hostile;
mod lambda_events;
mod limits;
mod process;
mod routes;
mod store_faults;
