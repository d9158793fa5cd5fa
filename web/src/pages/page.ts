// What the shell needs from a page: its element, a refresh when the time selection changes or the
// live view ticks, and clean-up.
export interface Page {
  el: HTMLElement;
  title: string;
  refresh(): Promise<void> | void;
  destroy?(): void;
}

export type PageFactory = (params: Record<string, string>, query: URLSearchParams) => Page;
