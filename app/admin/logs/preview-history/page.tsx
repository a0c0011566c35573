// TEMPORARY (helper-7): renders the download-history dialog for a screenshot; deleted before hand-off.
import { DownloadHistoryButton } from '../../_components/download-history';

export default async function Preview({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const { id = 'x' } = await searchParams;
  return (
    <div className="flex gap-4 p-4">
      <DownloadHistoryButton fileId={id} name="audit-trail.txt" />
      <DownloadHistoryButton fileId={id} name="audit-trail.txt">3</DownloadHistoryButton>
    </div>
  );
}
