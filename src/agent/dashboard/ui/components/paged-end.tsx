import type { Paged } from '../work/use-paged.js';
import { Loading } from './empty.js';

/** What of a list this reads (any row type). */
type PagedState = Pick<Paged<never>, 'loading' | 'error' | 'more' | 'loadMore'> & { rows: readonly unknown[] };

/** Below a paged list: loading, or why it is empty, and "Load more" while there are more pages. */
export function PagedEnd({ list, empty }: { list: PagedState; empty: string }) {
  return (
    <>
      {list.loading ? <Loading /> : list.rows.length === 0 && !list.error && <p class="muted">{empty}</p>}
      {list.more && !list.loading && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </>
  );
}
