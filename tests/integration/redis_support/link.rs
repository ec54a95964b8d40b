//! A link to a Redis on loopback that the test can make slower or cut, as
//! a pod in another availability zone or a network partition would: a TCP
//! proxy that holds every chunk for the link's one-way delay before it
//! passes it on (in order), and that drops its connections and refuses new
//! ones while cut.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch},
    time::Instant,
};

/// A proxy to a Redis port; it runs until the runtime ends.
#[derive(Clone)]
pub struct RedisLink {
    pub port: u16,
    /// The Redis port it leads to (a failover points it elsewhere).
    target: Arc<std::sync::atomic::AtomicU16>,
    one_way_us: Arc<AtomicU64>,
    cut: Arc<AtomicBool>,
    /// Tells open connections the link was cut.
    cuts: watch::Sender<u64>,
}

impl RedisLink {
    /// A link to `redis_port` adding `one_way` to each direction.
    pub async fn open(redis_port: u16, one_way: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let link = Self {
            port: listener.local_addr().unwrap().port(),
            target: Arc::new(std::sync::atomic::AtomicU16::new(redis_port)),
            one_way_us: Arc::new(AtomicU64::new(one_way.as_micros() as u64)),
            cut: Arc::new(AtomicBool::new(false)),
            cuts: watch::Sender::new(0),
        };
        let accepting = link.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if accepting.cut.load(Ordering::SeqCst) {
                    continue;
                }
                let target = accepting.target.load(Ordering::SeqCst);
                let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
                    continue;
                };
                let _ = inbound.set_nodelay(true);
                let _ = outbound.set_nodelay(true);
                accepting.carry(inbound, outbound);
            }
        });
        link
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Each direction's delay from now on.
    pub fn set_one_way(&self, one_way: Duration) {
        self.one_way_us
            .store(one_way.as_micros() as u64, Ordering::SeqCst);
    }

    /// Drops every connection and refuses new ones (`true`), or lets them
    /// through again.
    pub fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
        if cut {
            self.cuts.send_modify(|n| *n += 1);
        }
    }

    /// Leads to another Redis from now on (as a failover's new address
    /// does), dropping the connections to the old one.
    pub fn retarget(&self, redis_port: u16) {
        self.target.store(redis_port, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn carry(&self, inbound: TcpStream, outbound: TcpStream) {
        let (in_read, in_write) = inbound.into_split();
        let (out_read, out_write) = outbound.into_split();
        self.pump(in_read, out_write);
        self.pump(out_read, in_write);
    }

    /// Passes what `from` reads to `to`, each chunk held for the delay.
    fn pump(
        &self,
        mut from: tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
    ) {
        let (chunks, mut held) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
        let one_way = Arc::clone(&self.one_way_us);
        let mut cut = self.cuts.subscribe();
        tokio::spawn(async move {
            let mut buffer = vec![0; 64 * 1024];
            loop {
                tokio::select! {
                    read = from.read(&mut buffer) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            let due = Instant::now()
                                + Duration::from_micros(one_way.load(Ordering::SeqCst));
                            if chunks.send((due, buffer[..n].to_vec())).is_err() {
                                return;
                            }
                        }
                    },
                    _ = cut.changed() => return,
                }
            }
        });
        let mut cut = self.cuts.subscribe();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    chunk = held.recv() => {
                        let Some((due, bytes)) = chunk else { return };
                        tokio::time::sleep_until(due).await;
                        if to.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                    _ = cut.changed() => return,
                }
            }
        });
    }
}
