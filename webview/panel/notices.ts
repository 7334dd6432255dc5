/** Host notices (a control that could not be sent, an unreadable run folder), newest last. */
import type { Notice } from './view-model';

export interface NoticeList {
  update(notices: readonly Notice[]): void;
}

export function createNoticeList(parent: HTMLElement): NoticeList {
  const list = document.createElement('ul');
  list.id = 'notices';
  list.className = 'notices';
  // Polite live region: a notice is read out without stealing focus.
  list.setAttribute('aria-live', 'polite');
  parent.appendChild(list);
  return {
    update(notices) {
      list.replaceChildren(
        ...notices.map((n) => {
          const li = document.createElement('li');
          li.className = `notice ${n.level}`;
          li.textContent = n.text;
          return li;
        }),
      );
      list.hidden = notices.length === 0;
    },
  };
}
