import { describeExample } from './examples-kit.ts';

describeExample('11-filtering-handlers');
