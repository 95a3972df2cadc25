// The wellness setting of the person signed in: how images of reported content are shown.
// Kept in this browser's localStorage under the user's id for now (not yet on the server).
import { useEffect, useState } from "react";

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

export function useWellness(userId: number): [Wellness, (w: Wellness) => void] {
  const [w, setW] = useState(() => loadWellness(userId));
  useEffect(() => setW(loadWellness(userId)), [userId]);
  return [
    w,
    (next: Wellness) => {
      localStorage.setItem(key(userId), JSON.stringify(next));
      setW(next);
    },
  ];
}
