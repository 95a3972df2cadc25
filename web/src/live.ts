// Live updates: one EventSource on GET /v1/stream for the whole console. Screens subscribe and
// refetch what they show when a case they care about changed (or on any change, for queue depths).
import { useEffect, useRef } from "react";

type Listener = (cases: number[]) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

let wanted = false;

// Hidden tabs let go of their stream: a browser has only ~6 HTTP/1.1 connections per server,
// and every open stream holds one. Coming back, the hello of the new stream makes screens refetch.
if (typeof document !== "undefined")
  document.addEventListener("visibilitychange", () => {
    if (!wanted) return;
    if (document.visibilityState === "hidden") {
      source?.close();
      source = null;
    } else open();
  });

export function startLive() {
  wanted = true;
  if (typeof document === "undefined" || document.visibilityState !== "hidden") open();
}

function open() {
  if (source || typeof EventSource === "undefined") return;
  source = new EventSource("/v1/stream");
  source.addEventListener("change", (e) => {
    const data = JSON.parse((e as MessageEvent).data) as { cases: number[] };
    listeners.forEach((l) => l(data.cases));
  });
  // The stream reports changes from its hello on: what changed since a screen fetched its data
  // and before that (a reconnect, or a first stream that opened after the screen loaded) would
  // be missed, so everyone refetches.
  source.addEventListener("hello", () => listeners.forEach((l) => l([])));
}

export function stopLive() {
  wanted = false;
  source?.close();
  source = null;
}

// Calls `onChange` (debounced) when a change arrives that `filter` accepts (any when omitted).
export function useLive(onChange: () => void, filter?: (cases: number[]) => boolean) {
  const cb = useRef(onChange);
  const accept = useRef(filter);
  cb.current = onChange;
  accept.current = filter;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const l: Listener = (cases) => {
      if (accept.current && cases.length && !accept.current(cases)) return;
      clearTimeout(timer);
      timer = setTimeout(() => cb.current(), 150);
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
      clearTimeout(timer);
    };
  }, []);
}
