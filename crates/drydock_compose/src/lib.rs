//! drydock_compose
