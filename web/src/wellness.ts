// The wellness setting of the person signed in: how images of reported content are shown.
// Kept on the server with the user's preferences (GET/PUT /v1/auth/me/preferences), so it
// follows them to any browser; this browser's localStorage holds a copy for the first paint.
import { useEffect, useState } from "react";
import { api, get } from "./api";

export interface Wellness {
  blur: boolean;
  grayscale: boolean;
}
const defaults: Wellness = { blur: true, grayscale: true };
const key = (userId: number) => `vigil.wellness.${userId}`;

export function loadWellness(userId: number): Wellness {
  try {
    return { ...defaults, ...JSON.parse(localStorage.getItem(key(userId)) || "{}") };
  } catch {
    return defaults;
  }
}

function remember(userId: number, w: Wellness) {
  try {
    localStorage.setItem(key(userId), JSON.stringify(w));
  } catch {
    // private mode: the server copy still holds it
  }
}

export function useWellness(userId: number): [Wellness, (w: Wellness) => Promise<void>] {
  const [w, setW] = useState(() => loadWellness(userId));
  useEffect(() => {
    setW(loadWellness(userId));
    let live = true;
    get<{ wellness?: Partial<Wellness> }>("/v1/auth/me/preferences").then(
      (p) => {
        if (!live || !p.wellness) return;
        const server = { ...defaults, ...p.wellness };
        remember(userId, server);
        setW(server);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [userId]);
  return [
    w,
    async (next: Wellness) => {
      setW(next);
      remember(userId, next);
      await api("PUT", "/v1/auth/me/preferences", { wellness: next });
    },
  ];
}
