import { describeExample } from './examples-kit.ts';

describeExample('02-children');
