//! The echo comparison's peer as a process: a plain tokio-tungstenite client on a
//! current-thread runtime doing the graph's work (keep IN_FLIGHT JSON messages of about
//! 100 bytes in flight, parse each reply as JSON and send it back, until TOTAL have come
//! back, then close).
//!
//!     echo_client URL IN_FLIGHT TOTAL

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, in_flight, total] = &args[..] else {
        eprintln!("usage: echo_client URL IN_FLIGHT TOTAL");
        std::process::exit(2);
    };
    let (in_flight, total): (i64, i64) = (in_flight.parse().unwrap(), total.parse().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    graphrun_bench::raw_echo(&rt, url, in_flight, total);
}
