import type { ComponentChildren } from 'preact';
import type { AgentsClient, StatsWindow } from '../../../../../client/index.js';
import { Loading, Problem } from '../components/empty.js';
import { WindowPicker } from '../components/window-picker.js';
import { useClient, useLoad } from '../use-load.js';
import { useStatsWindow } from './stats-window.js';
import { useLiveReload } from './use-live-reload.js';

interface Props<T> {
  title: string;
  /** The statistics route for the chosen window. */
  read: (client: AgentsClient, window: StatsWindow) => Promise<T>;
  /** What goes in the toolbar before the window picker (the data once read). */
  toolbar?: (data: T | null) => ComponentChildren;
  children: (data: T) => ComponentChildren;
}

/**
 * A statistics view's frame: its title and window picker, the route read for the window (again on
 * live events), its loading and error states, and the view itself once there is data.
 */
export function StatsPage<T>({ title, read, toolbar, children }: Props<T>) {
  const client = useClient();
  const [window, setWindow] = useStatsWindow();
  const { data, error, loading, reload } = useLoad(() => read(client, window), [window]);
  useLiveReload(reload);
  return (
    <>
      <div class="toolbar">
        <h2>{title}</h2>
        <span class="spacer" />
        {toolbar?.(data)}
        <WindowPicker value={window} onChange={setWindow} />
      </div>
      <Problem error={error} />
      {!data ? loading && <Loading /> : children(data)}
    </>
  );
}
