//! The core's [`Server`] as a simulated node: each accepted link is a client connection.
//!
//! Mapping: `Transmit`/`Close` become [`NodeOutput::Transmit`]/[`NodeOutput::Close`], log
//! lines become `"log"` events (text `"<level> <message>"`), `Shutdown` becomes
//! [`NodeOutput::Exit`], `Pause` (`DEBUG SLEEP`) becomes [`NodeOutput::Pause`]. The server
//! opens one connection of its own: the link to its master (`Output::Connect`).
//!
//! A background save (a full sync's BGSAVE or diskless transfer) takes the simulated time
//! set with [`Server::set_snapshot_cost_ns_per_key`] (or the `rdb-key-save-delay` config).

use std::any::Any;

use super::{ConnId, LinkInfo, NodeOutput, SimEvent, SimNode};
use crate::client::PeerInfo;
use crate::server::{LogLevel, Output, Server};
use crate::time::Time;

impl SimNode for Server {
    fn handle_accept(&mut self, now: Time, info: &LinkInfo) -> ConnId {
        let peer = PeerInfo {
            addr: info.peer_addr.clone(),
            laddr: info.local_addr.clone(),
            fd: -1,
        };
        Server::handle_accept(self, now, peer)
    }
    fn handle_connected(&mut self, now: Time, conn: ConnId, info: &LinkInfo) {
        let peer = PeerInfo {
            addr: info.peer_addr.clone(),
            laddr: info.local_addr.clone(),
            fd: -1,
        };
        Server::handle_link_connected_from(self, now, conn, Some(peer))
    }
    fn handle_input(&mut self, now: Time, conn: ConnId, data: &[u8]) {
        Server::handle_input(self, now, conn, data)
    }
    fn handle_closed(&mut self, now: Time, conn: ConnId) {
        Server::handle_close(self, now, conn)
    }
    fn handle_timeout(&mut self, now: Time) {
        Server::handle_timeout(self, now)
    }
    fn poll_output(&mut self) -> Option<NodeOutput> {
        Some(match Server::poll_output(self)? {
            Output::Transmit { client, bytes } => NodeOutput::Transmit {
                conn: client,
                bytes,
            },
            Output::Close { client } => NodeOutput::Close { conn: client },
            Output::Connect { link, host, port } => NodeOutput::Connect {
                to: super::Dest::Addr { host, port },
                conn: link,
            },
            Output::Pause { until } => NodeOutput::Pause { until },
            Output::Shutdown { .. } => NodeOutput::Exit,
            Output::Log { level, message } => {
                let l = match level {
                    LogLevel::Debug => "debug",
                    LogLevel::Verbose => "verbose",
                    LogLevel::Notice => "notice",
                    LogLevel::Warning => "warning",
                };
                NodeOutput::Event(SimEvent::new("log", format!("{l} {message}")))
            }
        })
    }
    fn poll_timeout(&self) -> Option<Time> {
        Server::poll_timeout(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Server {
    /// The simulated cost of a background save or transfer to replicas, in nanoseconds per
    /// key of the dataset (0, the default, ends a child at the next cron tick). With it a
    /// full sync of a large dataset takes simulated time, during which the master keeps
    /// serving clients and accumulates the stream for the replicas waiting for their RDB.
    pub fn set_snapshot_cost_ns_per_key(&mut self, ns: u64) {
        self.state_mut().persist.child_cost_ns_per_key = ns;
    }
}
