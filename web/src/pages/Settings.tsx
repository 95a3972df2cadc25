import { useSession } from "../session";
import { useWellness } from "../wellness";

export default function SettingsPage() {
  const { me } = useSession();
  const [w, setW] = useWellness(me.id);
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
        <p className="hint">Stored in this browser for {me.name}.</p>
      </fieldset>
    </section>
  );
}
