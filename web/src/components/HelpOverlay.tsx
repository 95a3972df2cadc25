import { useEffect, useRef } from "react";

export interface Shortcut {
  keys: string;
  what: string;
}

// The keyboard shortcuts of the current screen ("?" opens it, Escape closes it).
export function HelpOverlay({ shortcuts, onClose }: { shortcuts: Shortcut[]; onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title"
         onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="overlay-box">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table>
          <thead>
            <tr><th scope="col">Key</th><th scope="col">Action</th></tr>
          </thead>
          <tbody>
            {shortcuts.map((s) => (
              <tr key={s.keys}>
                <td><kbd>{s.keys}</kbd></td>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={close} onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
