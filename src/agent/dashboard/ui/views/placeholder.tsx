/** A view not written yet. */
export function Placeholder({ title }: { title: string }) {
  return (
    <section class="card">
      <h2>{title}</h2>
    </section>
  );
}
