//! The interpreter's side of [`Cx`](crate::Cx): [`Running`] is an instance's state as the
//! node running now reaches it, implementing the node API's [`Machine`]. The work a node
//! asks of its instance is done here: rate-limited warnings, timers, objects and their
//! collection, events, latent work.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use crate::exec::handle::check_event_args;
use crate::exec::objects::{self, IdSet};
use crate::exec::state::{later, log_at, Env, Halt, State, Timer, TimerObject, Warned, WARNING_INTERVAL};
use crate::node::cx::Machine;
use crate::node::event::{Event, EventSender, LatentFn};
use crate::node::host::Level;
use crate::node::registry::{Registry, TIMER_CLASS_ID};
use crate::node::NodeError;
use crate::plan::program::ProgramInner;
use crate::value::{ObjectRef, Value};

/// An instance's state as the running node reaches it.
pub(crate) struct Running<'a> {
    pub(crate) prog: &'a ProgramInner,
    pub(crate) st: &'a mut State,
    pub(crate) env: &'a Env,
}

impl Running<'_> {
    /// Frees the objects that nothing can reach: not a register (variable or output slot),
    /// a frame a recursive call put aside, a queued event's argument, a timer, or the
    /// running node's copied `inputs`.
    #[cold]
    fn collect_objects(&mut self, inputs: Option<&[Value]>) {
        let mut reachable = IdSet::default();
        // The registers, and the frames recursive calls put aside.
        for v in self
            .st
            .regs
            .iter()
            .chain(&self.st.saved_frames)
            .chain(&self.st.returned)
            .chain(inputs.unwrap_or_default())
        {
            objects::mark(v, &mut reachable);
        }
        for event in &self.st.queue {
            match event {
                Event::Custom { args, .. } => args.iter().for_each(|v| objects::mark(v, &mut reachable)),
                Event::CustomOne { arg, .. } => objects::mark(arg, &mut reachable),
                Event::Timer { timer, .. } => {
                    reachable.insert(timer.id.get());
                }
                _ => {}
            }
        }
        for timer in self.st.timers.values() {
            if let Timer::Event { timer, .. } = timer {
                reachable.insert(timer.id.get());
            }
        }
        self.st.objects.collect(&reachable);
    }
}

impl Machine for Running<'_> {
    #[inline]
    fn regs(&self) -> (&[Value], usize) {
        (&self.st.regs, self.st.vars_at)
    }

    #[inline]
    fn regs_mut(&mut self) -> (&mut [Value], usize) {
        (&mut self.st.regs, self.st.vars_at)
    }

    fn node_state(&mut self, node: u32) -> &mut Option<Box<dyn Any + Send>> {
        &mut self.st.node_state[node as usize]
    }

    fn print(&self, text: &str) {
        self.env.host.print(text);
    }

    fn metric(&self, name: &str, value: Option<f64>) {
        self.env.host.metric(name, value);
    }

    fn log(&mut self, node: u32, level: Level, message: &str) {
        let mut note = String::new();
        if level == Level::Warning {
            let kind = message.split(':').next().unwrap_or(message);
            let now = Instant::now();
            match self.st.warned.get_mut(&(node, kind.to_string())) {
                Some(w) if now.duration_since(w.shown) < WARNING_INTERVAL => {
                    w.hidden += 1;
                    return;
                }
                Some(w) => {
                    if w.hidden > 0 {
                        note = format!(
                            " ({} more warning(s) of this kind in the last {:.1} s were not shown)",
                            w.hidden,
                            now.duration_since(w.shown).as_secs_f64()
                        );
                    }
                    *w = Warned { shown: now, hidden: 0 };
                }
                None => {
                    self.st
                        .warned
                        .insert((node, kind.to_string()), Warned { shown: now, hidden: 0 });
                }
            }
        }
        let message = format!("{message}{note}");
        log_at(self.prog, self.env, node, level, &message);
    }

    fn quit(&mut self) {
        self.st.quit = true;
        // The chain ends here (and every function call it is in).
        self.st.halt.set(Halt::Quit);
    }

    fn wake_after(&mut self, node: u32, delay: Duration, payload: u64) {
        let key = (later(Instant::now(), delay), self.st.timer_seq);
        self.st.timer_seq += 1;
        self.st.timers.insert(key, Timer::Wake { node, payload });
    }

    fn set_timer(
        &mut self,
        event: u32,
        period: Duration,
        looping: bool,
        inputs: Option<&[Value]>,
    ) -> Result<ObjectRef, NodeError> {
        let timer = self.new_object(TIMER_CLASS_ID, Box::new(TimerObject::Off), inputs)?;
        let key = (later(Instant::now(), period), self.st.timer_seq);
        self.st.timer_seq += 1;
        let period = looping.then_some(period);
        self.st.timers.insert(key, Timer::Event { timer, event, period });
        if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
            *t = TimerObject::Set(key);
        }
        Ok(timer)
    }

    fn clear_timer(&mut self, timer: ObjectRef) -> bool {
        let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) else {
            return false;
        };
        match std::mem::replace(t, TimerObject::Off) {
            TimerObject::Set(key) => self.st.timers.remove(&key).is_some(),
            TimerObject::Queued { .. } => true,
            TimerObject::Off => false,
        }
    }

    fn new_object(
        &mut self,
        class: u32,
        data: Box<dyn Any + Send>,
        inputs: Option<&[Value]>,
    ) -> Result<ObjectRef, NodeError> {
        if self.st.objects.wants_collection() {
            self.collect_objects(inputs);
        }
        let id = self.st.objects.insert(data).ok_or_else(|| {
            NodeError::new("this instance has made all the objects it can (4,294,967,295); no more can be made")
        })?;
        Ok(ObjectRef { class, id })
    }

    fn hold_object(&mut self, obj: ObjectRef, hold: bool) {
        self.st.objects.hold(obj.id, hold);
    }

    fn object(&mut self, obj: ObjectRef) -> Option<&mut (dyn Any + Send)> {
        self.st.objects.get_any_mut(obj.id)
    }

    fn registry(&self) -> &Registry {
        &self.prog.registry
    }

    fn node_id(&self, node: u32) -> &str {
        &self.prog.debug[node as usize].id
    }

    fn fire(&mut self, event: u32, args: Vec<Value>) -> Result<(), NodeError> {
        check_event_args(self.prog, event, &args).map_err(NodeError::new)?;
        self.st.queue.push_back(Event::custom(event, args));
        Ok(())
    }

    fn sender(&self) -> EventSender {
        self.env.sender()
    }

    fn spawn_latent(&mut self, node: u32, work: Pin<Box<dyn Future<Output = LatentFn> + Send>>) {
        let sender = self.sender();
        let alive = sender.keep_alive();
        let cancelled = self.st.cancel.clone();
        self.st.latent.spawn(async move {
            tokio::select! {
                _ = cancelled.cancelled() => {}
                f = work => {
                    sender.call(node, f).await;
                }
            }
            drop(alive);
        });
    }

    fn max_value_size(&self) -> usize {
        self.env.options.max_value_size
    }

    fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.st.rng
    }

    fn time_seconds(&self) -> f64 {
        self.st.born.elapsed().as_secs_f64()
    }

    fn is_ending(&self) -> bool {
        self.env.shared.stop.load(Ordering::SeqCst)
    }
}
