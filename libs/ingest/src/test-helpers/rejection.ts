/** The error a promise rejects with (for assertions on its class and message); fails the test when it resolves. */
export async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
