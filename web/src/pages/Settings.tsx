import { useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { useSession } from "../session";
import { useWellness, type Wellness } from "../wellness";

export default function SettingsPage() {
  const { me } = useSession();
  const [w, saveW] = useWellness(me.id);
  const [saved, setSaved] = useState("");
  const [error, setError] = useState<unknown>(null);
  const setW = (next: Wellness) => {
    setError(null);
    setSaved("");
    saveW(next).then(() => setSaved("Saved for your account."), setError);
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <fieldset>
        <legend>Wellness: how images of reported content are shown</legend>
        <label className="check">
          <input type="checkbox" checked={w.blur} onChange={(e) => setW({ ...w, blur: e.target.checked })} />
          Blur images until I reveal them
        </label>
        <label className="check">
          <input type="checkbox" checked={w.grayscale}
                 onChange={(e) => setW({ ...w, grayscale: e.target.checked })} />
          Show images in grayscale
        </label>
        <p className="hint">Kept with your account ({me.name}), so it applies in any browser you sign in from.</p>
        <p role="status" aria-live="polite">{saved}</p>
        <ErrorBox error={error} />
      </fieldset>
    </section>
  );
}
