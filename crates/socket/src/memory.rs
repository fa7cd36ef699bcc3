//! Giving freed memory back to the system. glibc's allocator keeps what a program frees for
//! reuse, and returns it only from the top of its heaps: after a crowd of connections (their
//! handshakes' short-lived buffers between the long-lived state), a process stays at its
//! peak. `malloc_trim` returns every free page. The echo server calls it as its connections
//! close, `graphrun swarm` after a burst of connects.

/// Returns the allocator's free pages to the system (glibc; elsewhere nothing, as other
/// allocators return memory themselves). It walks the heaps: call it now and then, not per
/// allocation.
#[allow(unsafe_code)] // The workspace's one exception: glibc's `malloc_trim`, by FFI.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and touches no memory in use: it returns free
    // pages to the system, and glibc serializes it with every other allocator call.
    unsafe {
        libc::malloc_trim(0);
    }
}
