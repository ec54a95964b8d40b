//! A real `redis-server` for the tests that need one, never a mock.
//!
//! Each test starts its own on a free loopback port (so it may kill and
//! restart it). Without `redis-server` on the PATH the test says how to get
//! it and passes vacuously on a developer's machine, but fails in CI
//! (`CI=true`), where `.ci/run` installs it: a Redis test is never silently
//! skipped there.
#![allow(dead_code)]

mod link;
#[allow(unused_imports)]
pub use link::RedisLink;

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// The Redis `.ci/run` started (`UPHEAL_TEST_REDIS_URL`), when used.
    external: Option<String>,
    /// Arguments beyond the port (TLS, cluster mode).
    mode: Vec<String>,
    /// For a TLS server: the CA's PEM, which `redis-cli` and clients trust.
    pub ca_pem: Option<String>,
}

impl RedisServer {
    /// The Redis `.ci/run` started, when `UPHEAL_TEST_REDIS_URL` names one;
    /// otherwise one of the test's own. Only for tests that never kill it.
    pub fn shared_or_start() -> Option<Self> {
        match std::env::var("UPHEAL_TEST_REDIS_URL") {
            Ok(url) => Some(Self {
                port: 0,
                dir: std::env::temp_dir(),
                child: None,
                external: Some(url),
                mode: Vec::new(),
                ca_pem: None,
            }),
            Err(_) => Self::start(),
        }
    }

    /// `None` (after saying why) when redis-server is missing outside CI.
    pub fn start() -> Option<Self> {
        Self::start_with(Vec::new(), None)
    }

    /// A server that speaks only TLS, with a certificate for `localhost`
    /// and `127.0.0.1` signed by a CA generated here (see `ca_pem`).
    pub fn start_tls() -> Option<Self> {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "redis test CA");
        let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "upheal-redis-tls-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        };
        let mode = vec![
            "--tls-cert-file".to_owned(),
            file("server.crt", &cert.pem()),
            "--tls-key-file".to_owned(),
            file("server.key", &key.serialize_pem()),
            "--tls-ca-cert-file".to_owned(),
            file("ca.crt", &ca_pem),
            "--tls-auth-clients".to_owned(),
            "no".to_owned(),
        ];
        Self::start_with(mode, Some(ca_pem))
    }

    /// A replica of `primary`, as a managed Redis keeps for failover.
    pub fn start_replica_of(primary: &RedisServer) -> Option<Self> {
        let replica = Self::start_with(
            vec![
                "--replicaof".to_owned(),
                "127.0.0.1".to_owned(),
                primary.port.to_string(),
            ],
            None,
        )?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !replica
            .cli(&["INFO", "replication"])
            .iter()
            .any(|line| line.trim() == "master_link_status:up")
        {
            assert!(Instant::now() < deadline, "the replica did not sync");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(replica)
    }

    /// A node of a Redis Cluster (see [`RedisCluster`]).
    fn start_cluster_node() -> Option<Self> {
        Self::start_with(
            ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]
                .map(str::to_owned)
                .to_vec(),
            None,
        )
    }

    fn start_with(mode: Vec<String>, ca_pem: Option<String>) -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            let how = "redis-server is not installed: `apt-get install redis-server`, \
                       or run `bash .ci/run`, to run the shared-budget tests";
            assert!(std::env::var("CI").is_err(), "{how}");
            eprintln!("SKIPPED: {how}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("upheal-redis-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            port,
            dir,
            child: None,
            external: None,
            mode,
            ca_pem,
        };
        server.restart();
        Some(server)
    }

    fn is_tls(&self) -> bool {
        self.ca_pem.is_some()
    }

    pub fn url(&self) -> String {
        let scheme = if self.is_tls() { "rediss" } else { "redis" };
        self.external
            .clone()
            .unwrap_or_else(|| format!("{scheme}://127.0.0.1:{}/0", self.port))
    }

    /// Starts (again) on the same port and waits until it accepts.
    pub fn restart(&mut self) {
        assert!(self.external.is_none(), "never restart the shared Redis");
        let port = self.port.to_string();
        let ports = if self.is_tls() {
            vec!["--port", "0", "--tls-port", &port]
        } else {
            vec!["--port", &port]
        };
        let child = Command::new("redis-server")
            .args(ports)
            .args(&self.mode)
            .args([
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every key the shared budget wrote.
    pub fn budget_keys(&self) -> Vec<String> {
        self.cli(&["KEYS", "upheal-provider-users:*"])
    }

    /// The keys holding a budget's slot time (not its members or news).
    pub fn slot_keys(&self) -> Vec<String> {
        only_slot_keys(self.budget_keys())
    }

    /// What `redis-cli` prints for one command, a line each.
    pub fn cli(&self, command: &[&str]) -> Vec<String> {
        let mut cli = Command::new("redis-cli");
        cli.args(["-p", &self.port.to_string(), "--raw"]);
        if self.is_tls() {
            let ca = self.dir.join("ca.crt");
            std::fs::write(&ca, self.ca_pem.as_deref().unwrap()).unwrap();
            cli.args(["--tls", "--cacert", ca.to_str().unwrap()]);
        }
        if self.mode.iter().any(|arg| arg == "--cluster-enabled") {
            cli.arg("-c");
        }
        let output = cli.args(command).output().expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.external.is_none() {
            self.kill();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A three-node Redis Cluster on loopback (every slot on a master, no
/// replicas), made with `redis-cli --cluster create` as operators do.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// `None` (after saying why) when redis-server is missing outside CI.
    pub fn start() -> Option<Self> {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| RedisServer::start_cluster_node())
            .collect::<Option<_>>()?;
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs");
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stdout)
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let cluster = Self { nodes };
        while !cluster.nodes.iter().all(|node| {
            node.cli(&["CLUSTER", "INFO"])
                .iter()
                .any(|line| line.trim() == "cluster_state:ok")
        }) {
            assert!(Instant::now() < deadline, "the cluster did not form");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(cluster)
    }

    pub fn node_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The keys holding a budget's slot time, on any node.
    pub fn slot_keys(&self) -> Vec<String> {
        only_slot_keys(self.budget_keys())
    }

    /// Every key the shared budget wrote, on any node.
    pub fn budget_keys(&self) -> Vec<String> {
        self.nodes
            .iter()
            .flat_map(RedisServer::budget_keys)
            .collect()
    }
}

fn only_slot_keys(keys: Vec<String>) -> Vec<String> {
    keys.into_iter()
        .filter(|key| !key.ends_with(":last-429") && !key.ends_with(":members"))
        .collect()
}

/// A door to `port` on 127.0.0.1 that holds each new connection `delay`
/// before it lets bytes through, as a far region or a loaded TLS
/// terminator does to a handshake. Returns the door's port; it closes
/// with the runtime.
pub async fn slow_door(port: u16, delay: Duration) -> u16 {
    let door = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let door_port = door.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = door.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    door_port
}
