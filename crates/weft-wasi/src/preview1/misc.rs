//! Clocks, `poll_oneoff`, randomness, scheduling and process exit.

use std::time::{Duration, Instant, SystemTime};

use super::{Args, Exit, WasiResult};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, element};
use crate::table::Desc;
use crate::types::{Rights, Subclockflags, clockid, eventtype, layout};

/// The current time of clock `id` in nanoseconds. The CPU-time clocks are
/// approximated by the time since the context was built, an upper bound
/// of the guest's CPU time (std offers no portable CPU clock).
fn now(ctx: &WasiCtx, id: u32) -> Result<u64, Errno> {
    match id {
        clockid::REALTIME => {
            let d = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_err(|_| Errno::Overflow)?;
            u64::try_from(d.as_nanos()).map_err(|_| Errno::Overflow)
        }
        clockid::MONOTONIC | clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => {
            u64::try_from(ctx.start.elapsed().as_nanos()).map_err(|_| Errno::Overflow)
        }
        _ => Err(Errno::Inval),
    }
}

/// `clock_res_get(id) -> timestamp`.
pub(crate) fn clock_res_get(_ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let resolution = match a.u32(0) {
        clockid::REALTIME | clockid::MONOTONIC | clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => 1,
        _ => return Err(Errno::Inval),
    };
    mem.write_u64(a.u32(1), resolution)
}

/// `clock_time_get(id, precision) -> timestamp`.
pub(crate) fn clock_time_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let t = now(ctx, a.u32(0))?;
    mem.write_u64(a.u32(2), t)
}

/// `proc_exit(rval)`: ends the program; never returns to the guest.
pub(crate) fn proc_exit(a: &Args<'_>) -> Exit {
    Exit::Status(a.u32(0) as i32)
}

/// `proc_raise(sig)`: signals are not supported.
pub(crate) fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _a: &Args<'_>) -> WasiResult {
    Err(Errno::Nosys)
}

/// `sched_yield()`.
pub(crate) fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _a: &Args<'_>) -> WasiResult {
    std::thread::yield_now();
    Ok(())
}

/// `random_get(buf, buf_len)`: fills the guest's buffer in place from the
/// host's randomness, so the length costs no host memory.
pub(crate) fn random_get(_ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let buf = mem.slice_mut(a.u32(0), a.u32(1))?;
    for chunk in buf.chunks_mut(1 << 16) {
        getrandom::fill(chunk).map_err(|_| Errno::Io)?;
    }
    Ok(())
}

/// One decoded subscription.
enum Subscription {
    /// A clock timeout: when it fires (`None`: later than the host's
    /// clock can say), or the error to report.
    Clock(Result<Option<Instant>, Errno>),
    /// Readiness of a descriptor: the byte count to report, or the error.
    Fd { kind: u8, ready: Result<u64, Errno> },
}

/// Reads subscription `i` of the array at `input` (whose bounds the
/// caller checked; the address is computed with overflow checks anyway).
fn read_subscription(
    ctx: &WasiCtx,
    mem: &GuestMemory<'_>,
    input: u32,
    i: u32,
    start: Instant,
) -> Result<(u64, Subscription), Errno> {
    let sub = mem.record(element(input, i, layout::SUBSCRIPTION_SIZE)?, layout::SUBSCRIPTION_SIZE)?;
    let (userdata, tag) = (sub.u64(0), sub.u8(8));
    let sub = match tag {
        eventtype::CLOCK => {
            let (id, timeout) = (sub.u32(16), sub.u64(24));
            let flags = Subclockflags::from_bits_truncate(sub.u16(40));
            let deadline = now(ctx, id).map(|current| {
                let wait = if flags.contains(Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME) {
                    timeout.saturating_sub(current)
                } else {
                    timeout
                };
                start.checked_add(Duration::from_nanos(wait))
            });
            Subscription::Clock(deadline)
        }
        eventtype::FD_READ | eventtype::FD_WRITE => {
            let fd = sub.u32(16);
            let ready = ctx.table.get(fd).and_then(|desc| {
                desc.require(Rights::POLL_FD_READWRITE)?;
                Ok(match desc {
                    Desc::File(f) if tag == eventtype::FD_READ => {
                        f.file.metadata().map(|m| m.len().saturating_sub(f.position)).unwrap_or(0)
                    }
                    Desc::Stdio { io: crate::ctx::Stdio::Pipe(p), stream: 0, .. } => p.available() as u64,
                    Desc::Dir(_) => return Err(Errno::Badf),
                    _ => 0,
                })
            });
            Subscription::Fd { kind: tag, ready }
        }
        _ => return Err(Errno::Inval),
    };
    Ok((userdata, sub))
}

fn write_event(mem: &mut GuestMemory<'_>, at: u32, userdata: u64, error: Errno, kind: u8, nbytes: u64) -> WasiResult {
    mem.record_mut(at, layout::EVENT_SIZE)?.u64(0, userdata).u16(8, error as u16).u8(10, kind).u64(16, nbytes);
    Ok(())
}

/// `poll_oneoff(in, out, nsubscriptions) -> nevents`. Files and the
/// standard streams are always ready, so a poll with any descriptor
/// subscription returns at once with those (and any expired clocks);
/// otherwise it sleeps until the earliest clock fires — in slices, when
/// the engine is interruptible, so an interrupt ends the sleep (and the
/// call, with the interrupt trap). Subscriptions are read from guest
/// memory one at a time, never collected, so their count costs no host
/// memory.
pub(crate) fn poll_oneoff(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let (input, output, n, nevents_ptr) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    if n == 0 {
        return Err(Errno::Inval);
    }
    mem.slice(input, n.checked_mul(layout::SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?)?;
    mem.slice(output, n.checked_mul(layout::EVENT_SIZE).ok_or(Errno::Fault)?)?;
    let start = Instant::now();
    let mut any_fd = false;
    // `None` inside: a clock that never fires.
    let mut earliest: Option<Option<Instant>> = None;
    for i in 0..n {
        match read_subscription(ctx, mem, input, i, start)?.1 {
            Subscription::Fd { .. } | Subscription::Clock(Err(_)) => any_fd = true,
            Subscription::Clock(Ok(deadline)) => {
                earliest = Some(match earliest {
                    Some(Some(e)) => Some(deadline.map_or(e, |d| d.min(e))),
                    _ => deadline,
                });
            }
        }
    }
    if !any_fd && let Some(deadline) = earliest {
        a.sleep_until(deadline)?;
    }
    let fired = Instant::now();
    let mut count = 0u32;
    for i in 0..n {
        let (userdata, sub) = read_subscription(ctx, mem, input, i, start)?;
        let event = match sub {
            Subscription::Clock(Ok(Some(deadline))) if deadline <= fired => Some((Errno::Success, eventtype::CLOCK, 0)),
            Subscription::Clock(Ok(_)) => None,
            Subscription::Clock(Err(e)) => Some((e, eventtype::CLOCK, 0)),
            Subscription::Fd { kind, ready: Ok(nbytes) } => Some((Errno::Success, kind, nbytes)),
            Subscription::Fd { kind, ready: Err(e) } => Some((e, kind, 0)),
        };
        if let Some((error, kind, nbytes)) = event {
            write_event(mem, element(output, count, layout::EVENT_SIZE)?, userdata, error, kind, nbytes)?;
            count += 1;
        }
    }
    mem.write_u32(nevents_ptr, count)
}
