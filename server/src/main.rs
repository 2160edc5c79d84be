//! `replscope-server [/path/to/redis.conf] [--directive value ...]`: a Redis 7.0-compatible
//! server whose protocol and data logic live in `replscope-core`.

use replscope_core::server::ProcessInfo;
use replscope_server::{config_file, driver, logging};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let loaded = match config_file::load(&args) {
        Ok(l) => l,
        Err(config_file::ConfigFileError::Version) => {
            println!(
                "Redis server v={} sha=00000000:0 malloc=libc bits=64 build=replscope-{}",
                replscope_core::REDIS_VERSION,
                replscope_core::VERSION
            );
            return;
        }
        Err(config_file::ConfigFileError::Help) => {
            println!("{}", config_file::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let config = loaded.config;
    let loglevel = config.loglevel.name().to_string();
    if let Err(e) = logging::init(&loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {e}");
        std::process::exit(1);
    }
    let pid = std::process::id();
    tracing::warn!("oO0OoO0OoO0Oo ReplScope is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "ReplScope version={}, Redis protocol version={}, bits=64, pid={}, just started",
        replscope_core::VERSION,
        replscope_core::REDIS_VERSION,
        pid
    );
    match &loaded.config_file {
        Some(p) => tracing::warn!("Configuration loaded from {}", p.display()),
        None => tracing::warn!(
            "Warning: no config file specified, using the default config. In order to specify a config file use {} /path/to/redis.conf",
            std::env::args().next().unwrap_or_else(|| "replscope-server".into())
        ),
    }
    for name in &loaded.ignored {
        tracing::info!(
            "Ignoring directive '{}': not implemented by ReplScope",
            name
        );
    }
    if !config.dir.is_empty() {
        if let Err(e) = std::env::set_current_dir(&config.dir) {
            tracing::warn!("Can't chdir to '{}': {}", config.dir, e);
            std::process::exit(1);
        }
    }
    let process = ProcessInfo {
        pid,
        tcp_port: config.port,
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        config_file: loaded
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        os: os_string(),
        arch_bits: (std::mem::size_of::<usize>() * 8) as u32,
        ..ProcessInfo::default()
    };
    let pidfile = (!config.pidfile.is_empty()).then(|| config.pidfile.clone());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("Cannot start the runtime: {}", e);
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async move {
        let listeners = match driver::bind_listeners(&config).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("{}", e);
                tracing::warn!("Failed listening on port {} (tcp), aborting.", config.port);
                return 1;
            }
        };
        tracing::info!(
            "Running mode=standalone, port={}. ReplScope {} PID: {}",
            config.port,
            replscope_core::VERSION,
            pid
        );
        // createPidFile: `pidfile` set (ReplScope never daemonizes), best effort, the path
        // taken from `dir` like Redis (which chdir'ed there while reading the config).
        if let Some(path) = pidfile.as_deref() {
            if let Err(e) = std::fs::write(path, format!("{pid}\n")) {
                tracing::warn!("Failed to write PID file: {}", e);
            }
        }
        tracing::warn!("Server initialized");
        let mut server = driver::new_server(config, process);
        // loadDataFromDisk: the dump in `dir`, if any; a corrupt one is fatal.
        let start = std::time::Instant::now();
        let loaded = server.load_from_storage(driver::now());
        driver::flush_logs(&mut server);
        match loaded {
            Ok(Some(_)) => tracing::info!(
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{}", e);
                if !e.starts_with("Fatal error") {
                    tracing::warn!("Fatal error loading the DB: Invalid argument. Exiting.");
                }
                return 1;
            }
        }
        let signals = match driver::install_signals() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("Cannot install the signal handlers: {}", e);
                return 1;
            }
        };
        tracing::info!("Ready to accept connections");
        let code = driver::run(server, listeners, signals).await;
        // prepareForShutdown removes the pid file (Redis logs this before its last line,
        // "ready to exit"; here it comes after, once the core is done).
        if let Some(path) = pidfile.as_deref() {
            tracing::info!("Removing the pid file.");
            let _ = std::fs::remove_file(path);
        }
        code
    });
    std::process::exit(code);
}

fn os_string() -> String {
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname fills the zeroed struct; on failure we fall back to a constant.
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}
