// userfiles.js: the user's files, kept in the browser (IndexedDB) so they
// are added to every boot until the user removes them. A File is stored as
// it is (IndexedDB keeps Blobs), keyed by its name: adding a file of the same
// name replaces it, as it would replace it in /home/user/.

const DB_NAME = 'gohost-user-files';
const STORE = 'files';

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

let dbPromise = null;
function db() {
  if (!dbPromise) {
    if (typeof indexedDB === 'undefined') return Promise.reject(new Error('this browser has no IndexedDB'));
    const r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'name' });
    dbPromise = request(r);
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('the transaction was aborted'));
  });
}

// storageError turns a failed write into a sentence for the page: a full
// storage (QuotaExceededError) says so.
export function storageError(name, err) {
  if (err && err.name === 'QuotaExceededError') {
    return `${name} is not kept: the browser's storage for this page is full (QuotaExceededError). It is used for this page's boots only; remove other files to keep it.`;
  }
  return `${name} is not kept: the browser refused to store it (${err && err.name ? err.name + ': ' : ''}${err && err.message ? err.message : String(err)}). It is used for this page's boots only.`;
}

// list returns the kept files as File objects, by name.
export async function list() {
  const tx = (await db()).transaction(STORE, 'readonly');
  const rows = await request(tx.objectStore(STORE).getAll());
  return rows
    .map((r) => new File([r.blob], r.name, { type: r.blob.type, lastModified: r.lastModified }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// put keeps one file (replacing one of the same name).
export async function put(file) {
  const tx = (await db()).transaction(STORE, 'readwrite');
  tx.objectStore(STORE).put({ name: file.name, lastModified: file.lastModified, blob: file });
  await done(tx);
}

// remove forgets the file of this name.
export async function remove(name) {
  const tx = (await db()).transaction(STORE, 'readwrite');
  tx.objectStore(STORE).delete(name);
  await done(tx);
}
