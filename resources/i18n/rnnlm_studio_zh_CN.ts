<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>ClassifyBox</name>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>The chosen model is a language model. Choose the model of a task run (trained with transfer type “task”) to classify text here.</source>
            <translation>所选模型是语言模型。请选择任务运行（用迁移类型“task”训练）的模型，才能在这里分类文本。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>Type a line and press Enter: the model's label and the probability of every label appear below.</source>
            <translation>输入一行并按回车：模型给出的标签和每个标签的概率显示在下方。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>A line to classify</source>
            <translation>要分类的一行文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>Classify</source>
            <translation>分类</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>There is nothing to classify: type a line first</source>
            <translation>没有可分类的内容：请先输入一行文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/classify_box.py" />
            <source>Classifying…</source>
            <translation>正在分类…</translation>
        </message>
    </context>
    <context>
        <name>CorpusPanel</name>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>training</source>
            <translation>训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>validation</source>
            <translation>验证</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>test</source>
            <translation>测试</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>File</source>
            <translation>文件</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Use for</source>
            <translation>用途</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Size</source>
            <translation>大小</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Lines</source>
            <translation>行数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Words</source>
            <translation>词数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Encoding</source>
            <translation>编码</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>No text yet: drop files or folders here, or click &lt;b&gt;Add files…&lt;/b&gt;. &lt;b&gt;Use sample&lt;/b&gt; loads the bundled tiny-shakespeare.</source>
            <translation>还没有文本：把文件或文件夹拖到这里，或点击&lt;b&gt;添加文件…&lt;/b&gt;。&lt;b&gt;使用示例&lt;/b&gt;会载入自带的 tiny-shakespeare。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Add files…</source>
            <translation>添加文件…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Add folder…</source>
            <translation>添加文件夹…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Use sample</source>
            <translation>使用示例</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Plain text files (UTF-8 preferred; other encodings are detected)</source>
            <translation>纯文本文件（首选 UTF-8；其他编码会自动检测）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Every text file under a folder, read in sorted order</source>
            <translation>文件夹下的所有文本文件，按排序后的顺序读取</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>The bundled tiny-shakespeare corpus (1 MB)</source>
            <translation>自带的 tiny-shakespeare 语料 (1 MB)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>The preview appears once there is text.</source>
            <translation>有了文本后，这里会显示预览。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Validation and test text</source>
            <translation>验证文本与测试文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Share of the training text held out to measure perplexity during training</source>
            <translation>从训练文本中留出、用于在训练中测量困惑度的比例</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Share held out for the final test score (0 for none)</source>
            <translation>留出用于最终测试得分的比例（0 表示不留）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>valid</source>
            <translation>验证</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Split off</source>
            <translation>划分出</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Tokenizer</source>
            <translation>分词器</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Reuse the source model's tokenizer</source>
            <translation>沿用源模型的分词器</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Train a new tokenizer on this text</source>
            <translation>在这份文本上训练新的分词器</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Keeps every embedding row of the source meaningful; best for transfer</source>
            <translation>源模型的每一行嵌入都保持原有含义；最适合迁移学习</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Fits the vocabulary to this text; embeddings of shared pieces are still copied</source>
            <translation>让词表贴合这份文本；共有片段的嵌入仍会被复制</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>unigram and BPE learn subwords; char uses single characters (vocabulary ≥ 258)</source>
            <translation>unigram 和 BPE 学习子词；char 使用单个字符（词表 ≥ 258）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>auto</source>
            <translation>自动</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Number of pieces. auto: 258 + √(training bytes), at most 4,000 — small texts get small vocabularies. A chosen size is lowered when the text is too small</source>
            <translation>片段数量。自动：258 + √(训练字节数)，最多 4,000 —— 文本小，词表也小。文本太小时，指定的大小会被调低</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>vocabulary</source>
            <translation>词表</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>New:</source>
            <translation>新建：</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Your text replaces the bundled sample (tiny-shakespeare) in the list; Use sample adds it back.</source>
            <translation>你的文本已替换列表中自带的示例（tiny-shakespeare）；点“使用示例”可重新加入。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Add text files</source>
            <translation>添加文本文件</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Text files (*.txt *.md *.text *.tsv *.csv);;All files (*)</source>
            <translation>文本文件 (*.txt *.md *.text *.tsv *.csv);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Add a folder of text files</source>
            <translation>添加文本文件所在的文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>A validation file is chosen: all other text trains.</source>
            <translation>已指定验证文件：其余文本全部用于训练。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source> No test text (mark a file “test” for a final test score).</source>
            <translation>没有测试文本（把某个文件标为“测试”可得到最终测试得分）。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Training uses {share:.1f} % of the text, held out by paragraph with a fixed seed; or mark a file “validation” / “test” in the list above.</source>
            <translation>训练使用 {share:.1f} % 的文本，其余按段落以固定种子留出；也可以在上方列表中把文件标为“验证”/“测试”。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>Preparing the tokenizer preview…</source>
            <translation>正在准备分词预览…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>{kind} tokenizer, {pieces:,} pieces · {chars:.2f} characters per token · ≈ {tokens:,} training tokens. Alternating colours mark the pieces.</source>
            <translation>{kind} 分词器，{pieces:,} 个片段 · 每个词元 {chars:.2f} 个字符 · 约 {tokens:,} 个训练词元。交替的底色标出各个片段。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>No preview: fix the problem above.</source>
            <translation>无法预览：请先解决上面的问题。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/corpus_panel.py" />
            <source>These files are gone and were removed from the list: </source>
            <translation>这些文件已不存在，已从列表中移除：</translation>
        </message>
    </context>
    <context>
        <name>Fonts</name>
        <message>
            <location filename="../../rnnlm_studio/gui/fonts.py" />
            <source>No Chinese font is installed, so Chinese characters show as empty boxes: install one (Noto Sans CJK, e.g. the fonts-noto-cjk package, or your system's Chinese language support) and restart RNNLM Studio.</source>
            <translation>没有安装中文字体，中文字符会显示为空白方框：请安装一种（Noto Sans CJK，例如 fonts-noto-cjk 软件包，或系统的中文语言支持），然后重新启动 RNNLM Studio。</translation>
        </message>
    </context>
    <context>
        <name>Heatmap</name>
        <message>
            <location filename="../../rnnlm_studio/gui/heatmap.py" />
            <source>word</source>
            <translation>词</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/heatmap.py" />
            <source>character</source>
            <translation>字</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/heatmap.py" />
            <source>“{token}”: probability {probability} ({bits:.1f} bits)
the model expected: {alternatives}</source>
            <translation>“{token}”：概率 {probability}（{bits:.1f} 比特）
模型原本预期：{alternatives}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/heatmap.py" />
            <source>&lt;b&gt;{name}&lt;/b&gt; — {bpb:.2f} bits/byte · {unit} perplexity {ppl} (network alone) · {tokens} tokens</source>
            <translation>&lt;b&gt;{name}&lt;/b&gt; — {bpb:.2f} 比特/字节 · {unit}困惑度 {ppl}（仅网络本身）· {tokens} 个词元</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/heatmap.py" />
            <source>expected … surprising (≥ {bits:g} bits)</source>
            <translation>意料之中 … 出乎意料（≥ {bits:g} 比特）</translation>
        </message>
    </context>
    <context>
        <name>LineageView</name>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Ancestor</source>
            <translation>来源</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Transfer</source>
            <translation>迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Valid bits/byte</source>
            <translation>验证比特/字节</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Trained on</source>
            <translation>训练文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>run</source>
            <translation>运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>model folder</source>
            <translation>模型文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>bundled model</source>
            <translation>内置模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Named as a source, but not found: the run was deleted, or the folder was moved or renamed.</source>
            <translation>被指定为源模型，但找不到了：该运行已被删除，或文件夹已被移动或改名。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Select one run to see where it came from.</source>
            <translation>选择一次运行，查看它的来历。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Reading where {name} came from…</source>
            <translation>正在读取 {name} 的来历…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>Where {name} came from, oldest first; click an ancestor run to select it.</source>
            <translation>{name} 的来历，最早的在前；点击一次来源运行即可在表中选中它。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>missing</source>
            <translation>已缺失</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>{method} of {sources}</source>
            <translation>{sources} 的{method}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>chain stage {stage} of {stages}</source>
            <translation>链式第 {stage} / {stages} 阶段</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>{folder}
trained in run {run}</source>
            <translation>{folder}
训练于运行 {run}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/lineage_view.py" />
            <source>{id}
Click to select this run in the table.</source>
            <translation>{id}
点击即可在表中选中这次运行。</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Pause or resume the run between steps (F6)</source>
            <translation>在两步之间暂停或继续训练 (F6)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>A run in a child process (several processes, or one chosen GPU) cannot pause: stop it, then resume it from the Runs panel</source>
            <translation>在子进程中运行的训练（多进程或指定的某块 GPU）不能暂停：请停止它，之后在“运行”面板中继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Getting ready…</source>
            <translation>正在准备…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>CPU training threads: {used} of {cores}</source>
            <translation>CPU 训练线程：{used} / {cores}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Start</source>
            <translation>开始</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Start training with the current settings (F5)</source>
            <translation>按当前设置开始训练 (F5)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Pause</source>
            <translation>暂停</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Stop</source>
            <translation>停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Stop the run; it saves a resumable checkpoint first (Shift+F5)</source>
            <translation>停止训练；停止前会先保存可继续的检查点 (Shift+F5)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Training</source>
            <translation>训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Corpus</source>
            <translation>语料</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Model &amp;&amp; Transfer</source>
            <translation>模型与迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Runs</source>
            <translation>运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Playground</source>
            <translation>试验场</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Studies</source>
            <translation>研究</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>&amp;File</source>
            <translation>文件(&amp;F)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Add corpus files…</source>
            <translation>添加语料文件…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Add corpus folder…</source>
            <translation>添加语料文件夹…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Export plots as PNG…</source>
            <translation>将图表导出为 PNG…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Export curves as CSV…</source>
            <translation>将曲线导出为 CSV…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Quit</source>
            <translation>退出</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>&amp;Training</source>
            <translation>训练(&amp;T)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Toolbar</source>
            <translation>工具栏</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Reset layout</source>
            <translation>重置布局</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>About RNNLM Studio</source>
            <translation>关于 RNNLM Studio</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>System</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>The interface language changes when RNNLM Studio is restarted.</source>
            <translation>界面语言将在重新启动 RNNLM Studio 后生效。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>The settings of run {name} are in the panels: change what you like and press Start for a new run.</source>
            <translation>运行 {name} 的设置已载入各面板：按需修改后按“开始”进行新的运行。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Resuming…</source>
            <translation>正在继续…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Preparing the data…</source>
            <translation>正在准备数据…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>a study trains each run in one process: choose Auto, CPU or one GPU as the Device in the Model &amp; Transfer panel, and set At once to train several runs side by side</source>
            <translation>研究中的每个运行只在一个进程中训练：请在“模型与迁移”面板中把“设备”选为“自动”、CPU 或一块 GPU，并用“同时运行”让几个运行并排训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Stopping: the run saves a resumable checkpoint…</source>
            <translation>正在停止：正在保存可继续的检查点…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Training {run} on {device}</source>
            <translation>正在 {device} 上训练 {run}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Run {run} stopped — {folder}</source>
            <translation>运行 {run} 已停止 — {folder}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Run {run} finished — {folder}</source>
            <translation>运行 {run} 已完成 — {folder}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>The run failed: see the Training panel</source>
            <translation>训练失败：详见“训练”面板</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>A run is training. Stop it and quit?

It saves a checkpoint first, so you can resume it later from the Runs panel.</source>
            <translation>有一个训练正在进行。要停止它并退出吗？

停止前会先保存检查点，之后可在“运行”面板中继续。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>A study is training. Stop it and quit?

Its finished runs are kept; its unfinished runs stop and train again from the start when you press Resume in the Studies panel.</source>
            <translation>一项研究正在训练。停止并退出吗？

已完成的运行会保留；未完成的运行会停止，在“研究”面板中按“继续”后从头重新训练。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Training in progress</source>
            <translation>正在训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Ready: press Start (F5) to train on the sample corpus, or add your own text.</source>
            <translation>就绪：按“开始”(F5) 在示例语料上训练，或添加你自己的文本。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>Ready: press Start (F5) to train.</source>
            <translation>就绪：按“开始”(F5) 开始训练。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/app.py" />
            <source>RNNLM Studio {version} — train recurrent language models, transfer what they learned, and compare runs side by side.</source>
            <translation>RNNLM Studio {version} — 训练循环神经网络语言模型，迁移它们学到的知识，并排比较各次运行。</translation>
        </message>
    </context>
    <context>
        <name>ModelPanel</name>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>bundled</source>
            <translation>自带</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>installed</source>
            <translation>已安装</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Auto (a GPU if there is one)</source>
            <translation>自动（有 GPU 时使用 GPU）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>All GPUs (torchrun)</source>
            <translation>全部 GPU (torchrun)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>CPU, 2 processes (torchrun)</source>
            <translation>CPU，2 个进程 (torchrun)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Train a new model from random weights; the source is not used. This is the baseline.</source>
            <translation>从零训练：从随机权重开始训练新模型，不使用源模型。这是基线。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Copy the source's architecture and settings, but start from random weights.</source>
            <translation>结构迁移：复制源模型的结构与设置，但从随机权重开始。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Start from all of the source's weights and fine-tune everything on your text.</source>
            <translation>参数迁移：从源模型的全部权重出发，在你的文本上微调所有参数。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Keep the source's embedding and recurrent layers frozen; train only the output layer.</source>
            <translation>特征迁移：冻结源模型的嵌入层和循环层，只训练输出层。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Copy the layers you tick below and freeze the ones you choose; the rest start fresh.</source>
            <translation>部分迁移：复制下面勾选的层，并冻结你选中的层；其余层重新初始化。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Fine-tune in stages: unfreeze one layer group at a time from the top, lower layers learn more slowly, with a slanted triangular learning rate.</source>
            <translation>ULMFiT：分阶段微调，从顶层开始每次解冻一组层，越低的层学习得越慢，学习率采用斜三角调度。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Reuse the source's encoder under a new classifier (or per-word tagger) head trained on labelled text.</source>
            <translation>复用源模型的编码器，在其上接一个新的分类器（或逐词标注器）头，用带标签的文本训练。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>{layers}×{hidden} {cell}, embedding {emb}, {kind} vocabulary of {vocab:,}</source>
            <translation>{layers}×{hidden} {cell}，嵌入 {emb}，{kind} 词表 {vocab:,}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>a new vocabulary of {size:,} pieces trained on your text</source>
            <translation>在你的文本上训练的 {size:,} 个子词的新词表</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>the source's {kind} vocabulary of {size:,}</source>
            <translation>源模型的 {kind} 词表（{size:,} 个子词）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Taken from the source model: {layers}×{hidden} {cell}, embedding {emb}; {vocabulary}.</source>
            <translation>取自源模型：{layers}×{hidden} {cell}，嵌入 {emb}；{vocabulary}。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>The source model grown from {own} to {hidden} units per layer: {layers}×{hidden} {cell}, embedding {emb}; {vocabulary}.</source>
            <translation>由源模型加宽而来，每层从 {own} 个单元增至 {hidden} 个：{layers}×{hidden} {cell}，嵌入 {emb}；{vocabulary}。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Also train a scratch baseline</source>
            <translation>同时训练从头训练的基线</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>To measure the transfer gain: before the run, trains the same architecture from random weights on the same data and budget; the run is then warned as soon as it falls behind the baseline, and the Runs table shows the gain</source>
            <translation>用于测量迁移增益：在本次运行之前，用相同的数据和预算从随机权重训练相同的架构；本次运行一旦落后于基线就会立即警告，运行表会显示增益</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Source model</source>
            <translation>源模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Bundled and installed models, your previous runs, or a model folder</source>
            <translation>自带和已安装的模型、你以前的运行，或一个模型文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Transfer</source>
            <translation>迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>What moves from the source model, and what trains</source>
            <translation>从源模型迁移什么，以及训练什么</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Layer</source>
            <translation>层</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Copy</source>
            <translation>复制</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Freeze</source>
            <translation>冻结</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Steps before the next lower layer group unfreezes; 0 = one group per epoch</source>
            <translation>解冻下一组更低层之前的步数；0 = 每个轮次解冻一组</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Each lower layer group learns this many times more slowly</source>
            <translation>每往下一组层，学习速度就慢这么多倍</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Unfreeze every (steps)</source>
            <translation>每隔多少步解冻</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Discriminative LR factor</source>
            <translation>分层学习率系数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Learning rate: slanted triangular schedule</source>
            <translation>学习率：斜三角调度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Labelled data: a folder with one subfolder per class, or a TSV/CSV file with &lt;i&gt;label&lt;/i&gt; and &lt;i&gt;text&lt;/i&gt; columns; or, to tag each word, a file of &lt;i&gt;token&lt;/i&gt;&amp;lt;TAB&amp;gt;&lt;i&gt;label&lt;/i&gt; lines with a blank line between sentences. It becomes the training text: choose a file here, or add a folder in the Corpus panel.</source>
            <translation>带标签的数据：每个类别一个子文件夹的文件夹，或含 &lt;i&gt;label&lt;/i&gt; 和 &lt;i&gt;text&lt;/i&gt; 列的 TSV/CSV 文件；若要给每个词加标签，则用每行为一个词、一个制表符和一个标签、句子之间空一行的文件。它将作为训练文本：在这里选择文件，或在“语料”面板中添加文件夹。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Choose labelled data…</source>
            <translation>选择带标签的数据…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Architecture</source>
            <translation>结构</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>LSTM is the safe choice; GRU is a little faster</source>
            <translation>LSTM 是稳妥的选择；GRU 稍快一些</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Size of each piece's vector</source>
            <translation>每个片段的向量维度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Size of the recurrent state; the main cost driver</source>
            <translation>循环状态的维度；计算开销的主要来源</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Stacked recurrent layers</source>
            <translation>堆叠的循环层数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Tie input and output embeddings</source>
            <translation>输入与输出嵌入共享权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Shares one matrix: fewer parameters and usually lower perplexity</source>
            <translation>共用一个矩阵：参数更少，困惑度通常也更低</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Dropout probability (0 = off); more helps on small corpora</source>
            <translation>Dropout 概率（0 = 关闭）；语料小时调高有帮助</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Cell</source>
            <translation>单元</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Embedding size</source>
            <translation>嵌入维度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Hidden size</source>
            <translation>隐藏层维度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Layers</source>
            <translation>层数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Dropout: embedding</source>
            <translation>Dropout：嵌入</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Dropout: input</source>
            <translation>Dropout：输入</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Dropout: between layers</source>
            <translation>Dropout：层间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Dropout: output</source>
            <translation>Dropout：输出</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Optimiser</source>
            <translation>优化器</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>AdamW suits short budgets; SGD needs a higher rate</source>
            <translation>AdamW 适合短预算；SGD 需要更高的学习率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Peak learning rate (lower when fine-tuning a source's weights)</source>
            <translation>峰值学习率（微调源模型权重时应调低）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Weight decay (L2 penalty)</source>
            <translation>权重衰减（L2 惩罚）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Clip the gradient norm to this (0 = no clipping)</source>
            <translation>把梯度范数裁剪到这个值（0 = 不裁剪）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>How the learning rate changes over the run</source>
            <translation>学习率在训练过程中如何变化</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Steps of linear warm-up</source>
            <translation>线性预热的步数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>From this share of the budget on, the model evaluated and kept is the mean of the weights after every step since (AWD-LSTM's averaged SGD, SWA); training goes on from the weights themselves. Off: the last weights</source>
            <translation>从预算的这一比例起，评估和保存的模型是此后每一步权重的平均（AWD-LSTM 的平均 SGD、SWA）；训练仍从权重本身继续。关：使用最后的权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>off</source>
            <translation>关</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Sequences per step</source>
            <translation>每步的序列数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Tokens per sequence (truncated back-propagation length)</source>
            <translation>每个序列的词元数（截断反向传播长度）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Measure validation perplexity every this many steps. auto: at 1/32, 1/16, 1/8, 1/4, 1/2 and 3/4 of the budget and at its end (and at least every 500 steps), so a short run has a curve and a transfer gain</source>
            <translation>每隔这么多步测量一次验证集困惑度。自动：在预算的 1/32、1/16、1/8、1/4、1/2、3/4 处及结束时测量（且至少每 500 步一次），这样短时间的运行也有曲线和迁移增益</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>auto</source>
            <translation>自动</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Random seed: the same seed repeats a run exactly</source>
            <translation>随机种子：相同的种子能精确重现一次运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Learning rate</source>
            <translation>学习率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Weight decay</source>
            <translation>权重衰减</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Gradient clip</source>
            <translation>梯度裁剪</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>LR schedule</source>
            <translation>学习率调度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Warm-up steps</source>
            <translation>预热步数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Average weights from</source>
            <translation>权重平均起点</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Batch size</source>
            <translation>批大小</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Sequence length</source>
            <translation>序列长度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Evaluate every</source>
            <translation>评估间隔</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Seed</source>
            <translation>种子</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Where the run trains. Runs in several processes (torchrun) or on one chosen GPU train in a child process: the plots are the same, but they cannot be paused</source>
            <translation>在哪里训练。多进程 (torchrun) 或指定某块 GPU 的运行在子进程中训练：图表相同，但不能暂停</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Unavailable: {reason}</source>
            <translation>不可用：{reason}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>None — train from scratch</source>
            <translation>无 — 从零训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>{name} ({origin})</source>
            <translation>{name}（{origin}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>run: {name} ({id})</source>
            <translation>运行：{name}（{id}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Browse for a model folder…</source>
            <translation>浏览模型文件夹…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>The source model {ref} is gone; choose another one.</source>
            <translation>源模型 {ref} 已不存在；请另选一个。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>folder: {name}</source>
            <translation>文件夹：{name}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Choose a model or run folder</source>
            <translation>选择模型或运行文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>No source model: the run trains from random weights. Choose a model to transfer what it learned.</source>
            <translation>没有源模型：本次运行从随机权重开始训练。选择一个模型，即可迁移它学到的知识。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source> Choose a source model for the other types.</source>
            <translation>选择源模型后才能使用其他迁移类型。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Labelled data (TSV/CSV, or tagged tokens)</source>
            <translation>带标签的数据（TSV/CSV 或已标注的词）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Labelled text (*.tsv *.csv *.conll *.txt);;All files (*)</source>
            <translation>带标签的文本 (*.tsv *.csv *.conll *.txt);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>&lt;b&gt;{count:,}&lt;/b&gt; parameters</source>
            <translation>&lt;b&gt;{count:,}&lt;/b&gt; 个参数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source> · about &lt;b&gt;{time}&lt;/b&gt; per epoch on this machine (rough estimate)</source>
            <translation> · 在本机上每个轮次约 &lt;b&gt;{time}&lt;/b&gt;（粗略估计）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Runs `rnnlm-studio train --nproc {n}` as a child process: {n} processes, each with the batch size above (a global batch {n} times as large)</source>
            <translation>以子进程运行 `rnnlm-studio train --nproc {n}`：{n} 个进程，每个进程使用上面的批大小（全局批大小为其 {n} 倍）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Trains in a child process that sees only GPU {gpu}</source>
            <translation>在只能看到 GPU {gpu} 的子进程中训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>Trains inside this window's process</source>
            <translation>在本窗口的进程中训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/model_panel.py" />
            <source>; uses a CUDA GPU when there is one</source>
            <translation>；有 CUDA GPU 时使用 GPU</translation>
        </message>
    </context>
    <context>
        <name>Playground</name>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Choose a model to start</source>
            <translation>选择一个模型即可开始</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Type a prompt: suggestions appear as you type. Tab accepts, Esc dismisses, ↑/↓ choose.</source>
            <translation>输入提示文本：输入时会出现建议。Tab 接受，Esc 关闭，↑/↓ 选择。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{layers}-layer {cell} {emb}/{hidden}</source>
            <translation>{layers} 层 {cell} {emb}/{hidden}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{count:,} {kind} pieces</source>
            <translation>{count:,} 个 {kind} 片段</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{millions:.1f} M params</source>
            <translation>{millions:.1f} M 参数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>test</source>
            <translation>测试</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>valid</source>
            <translation>验证</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{split} char ppl {ppl}</source>
            <translation>{split}字困惑度 {ppl}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{split} word ppl {ppl}</source>
            <translation>{split}词困惑度 {ppl}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Model</source>
            <translation>模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Open folder…</source>
            <translation>打开文件夹…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Use a model folder or a run folder (its best checkpoint)</source>
            <translation>使用模型文件夹或运行文件夹（取其最佳检查点）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>List the runs and models again (a run trained elsewhere, a model installed since)</source>
            <translation>重新列出运行和模型（在别处训练的运行、之后安装的模型）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Write</source>
            <translation>写作</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Surprisal</source>
            <translation>惊异度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Classify</source>
            <translation>分类</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>0 picks the most probable token every time (greedy)</source>
            <translation>0 表示每次都选概率最高的词元（贪心）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Sample only among the k most probable tokens (0: all)</source>
            <translation>只在概率最高的 k 个词元中采样（0：全部）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Sample only among the most probable tokens whose probabilities add up to p (1: all)</source>
            <translation>只在累计概率达到 p 的最可能词元中采样（1：全部）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Tokens to generate</source>
            <translation>要生成的词元数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>The same seed gives the same text</source>
            <translation>相同的种子生成相同的文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>random</source>
            <translation>随机</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Generate</source>
            <translation>生成</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Continue the text from the end of the box</source>
            <translation>从文本框末尾接着往下写</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Stop</source>
            <translation>停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Temperature</source>
            <translation>温度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Length</source>
            <translation>长度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Seed</source>
            <translation>种子</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Colour the text</source>
            <translation>为文本着色</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Colour each token of the Write tab's text by how surprised the model is</source>
            <translation>按模型的意外程度，为“写作”页文本的每个词元着色</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Side by side with</source>
            <translation>并排对比</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Choose a model…</source>
            <translation>选择模型…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>no second model</source>
            <translation>不对比第二个模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Open a model or run folder</source>
            <translation>打开模型或运行文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Loading {name}…</source>
            <translation>正在加载 {name}…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Colours the text of the Write tab, token by token, by its loss under the model; hover a token to see its probability and the model's favourites.</source>
            <translation>按模型给出的损失逐个词元为“写作”页的文本着色；把鼠标悬停在词元上可查看它的概率和模型最看好的候选。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>{hint}  (suggestions in {ms:.0f} ms)</source>
            <translation>{hint}（建议用时 {ms:.0f} 毫秒）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Generating…</source>
            <translation>正在生成…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Generation failed: see the message above.</source>
            <translation>生成失败：详见上方消息。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Stopped after {chars} characters in {seconds:.1f} s.</source>
            <translation>已停止：{seconds:.1f} 秒内生成 {chars} 个字符。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Generated {chars} characters in {seconds:.1f} s.</source>
            <translation>已在 {seconds:.1f} 秒内生成 {chars} 个字符。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>There is no text to colour: type or generate some in the Write tab first</source>
            <translation>没有可着色的文本：请先在“写作”页输入或生成一些文本</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Scoring…</source>
            <translation>正在评分…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source> Models with different tokenizers compare on bits per byte and word perplexity, not per token.</source>
            <translation>分词器不同的模型应按每字节比特数和词困惑度比较，而不是按词元比较。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/playground.py" />
            <source>Hover a token to see its probability and the model's favourites.</source>
            <translation>把鼠标悬停在词元上可查看它的概率和模型最看好的候选。</translation>
        </message>
    </context>
    <context>
        <name>PromptEdit</name>
        <message>
            <location filename="../../rnnlm_studio/gui/prompt_edit.py" />
            <source>{word}: probability {probability:.2%}</source>
            <translation>{word}：概率 {probability:.2%}</translation>
        </message>
    </context>
    <context>
        <name>RunsPanel</name>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Source</source>
            <translation>源模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Transfer</source>
            <translation>迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Data</source>
            <translation>数据</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Best valid word ppl</source>
            <translation>最佳验证词困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Transfer gain</source>
            <translation>迁移收益</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Duration</source>
            <translation>用时</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Created</source>
            <translation>创建时间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Transfer gain in bits saved = 1 − (transfer run's valid bits per byte ÷ its scratch baseline's) at the same number of tokens seen: the share of the text's code length that starting from the source saves. Beside it (×) the word-perplexity ratio, transfer ÷ baseline: below 1 helped. Positive gain: starting from the source helped. Negative (red): negative transfer — the source made things worse than training from scratch.</source>
            <translation>以节省的比特计的迁移收益 = 1 − (迁移运行的验证每字节比特数 ÷ 其从零基线的验证每字节比特数)，在已见词元数相同处比较：即从源模型出发所节省的文本编码长度的比例。旁边 (×) 是词困惑度之比，迁移 ÷ 基线：小于 1 表示有帮助。收益为正：从源模型出发有帮助。为负（红色）：负迁移 —— 源模型反而比从零训练更差。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Best valid bits/byte</source>
            <translation>最佳验证比特/字节</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>The lowest validation word perplexity of the run (the network alone).</source>
            <translation>本次运行最低的验证词困惑度（仅网络本身）。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>The lowest validation bits per byte of the run (the network alone). {note}.</source>
            <translation>本次运行最低的验证每字节比特数（仅网络本身）。{note}。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>running</source>
            <translation>运行中</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>done</source>
            <translation>已完成</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>stopped</source>
            <translation>已停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>paused</source>
            <translation>已暂停</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>interrupted</source>
            <translation>已中断</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>A task run (classifier or tagger) has no perplexity: its best validation accuracy, and the macro-F1 of its final evaluation (test where it has a test set). Higher is better.</source>
            <translation>任务运行（分类器或标注器）没有困惑度：显示其最佳验证准确率，以及最终评估的宏平均 F1（有测试集时为测试集）。越高越好。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>acc {accuracy}</source>
            <translation>准确率 {accuracy}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>accuracy</source>
            <translation>准确率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>A scratch run is itself a baseline.</source>
            <translation>从零训练的运行本身就是基线。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>No transfer gain: {note}.</source>
            <translation>没有迁移增益：{note}。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>A scratch baseline was asked for but has not finished: it trains after this run, and the gain appears here when it is done (a job stopped before then has none).</source>
            <translation>已要求训练从头训练的基线，但它尚未完成：它在本次运行之后训练，完成后增益会显示在这里（在此之前停止的任务没有增益）。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>No scratch baseline: tick “Also train a scratch baseline” in the Model &amp; Transfer panel to measure the gain.

</source>
            <translation>没有从零基线：在“模型与迁移”面板中勾选“同时训练一个从零开始的基线”即可衡量收益。

</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Filter runs by any column…</source>
            <translation>按任意列筛选运行…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>No runs yet: press &lt;b&gt;Start&lt;/b&gt; to train one. Select several runs to compare their curves in the Training plots.</source>
            <translation>还没有运行：按&lt;b&gt;开始&lt;/b&gt;训练一个。选择多次运行，可在“训练”图表中比较它们的曲线。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Rename</source>
            <translation>重命名</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Delete…</source>
            <translation>删除…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Open folder</source>
            <translation>打开文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>New run from these settings</source>
            <translation>以这些设置新建运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Edit the selected run's name (F2 or double-click also work)</source>
            <translation>编辑所选运行的名称（也可按 F2 或双击）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Continue a stopped run from its last checkpoint</source>
            <translation>从最后一个检查点继续已停止的运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Load the selected run's settings into the Corpus, Model &amp; Transfer and Training panels, to change what you like and start a new run</source>
            <translation>把所选运行的设置载入“语料”“模型与迁移”和“训练”面板，按需修改后开始新的运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Lineage</source>
            <translation>来历</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Show where the selected run came from: the runs and models it was trained from, and theirs, oldest first</source>
            <translation>显示所选运行的来历：训练它所用的运行和模型，以及它们各自的来源，最早的在前</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Delete runs</source>
            <translation>删除运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Delete {count} run(s) and their folders (checkpoints, metrics)?

{names}

This cannot be undone.</source>
            <translation>删除 {count} 次运行及其文件夹（检查点、指标）？

{names}

此操作无法撤销。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>Could not delete every run: {error}</source>
            <translation>未能删除全部运行：{error}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>No file manager could open {folder}; open it by hand.</source>
            <translation>没有文件管理器能打开 {folder}；请手动打开。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/runs_panel.py" />
            <source>That run is no longer in the store; press Refresh.</source>
            <translation>这次运行已不在记录中；请按“刷新”。</translation>
        </message>
    </context>
    <context>
        <name>SourceRanking</name>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Source</source>
            <translation>源模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Bits per byte</source>
            <translation>每字节比特数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Word ppl</source>
            <translation>词困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Vocabulary known</source>
            <translation>已知词表</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Each source reads the first 4 KB of your training text before any training (zero-shot, the network alone). Fewer bits per byte: the source already knows this kind of text, so transfer from it has more to give. Bits per byte compare across tokenizers; token perplexity would not.</source>
            <translation>在任何训练之前，每个源模型先读你训练文本的前 4 KB（零样本，仅网络本身）。每字节比特数越少，说明源模型越熟悉这类文本，从它迁移的收获就越多。每字节比特数可以跨分词器比较；词元困惑度则不能。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>With a new tokenizer: the share of its pieces the source has as they are, and (+) the share it can build from its own pieces; the rest start from the mean embedding.</source>
            <translation>使用新分词器时：源模型原样拥有的片段所占比例，以及 (+) 能由它自己的片段拼出的比例；其余片段从平均嵌入开始。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Which source fits your text?</source>
            <translation>哪个源模型适合你的文本？</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Add training text to rank the sources on it.</source>
            <translation>添加训练文本后，即可在其上为各源模型排名。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Scoring a sample of your text under each source…</source>
            <translation>正在用每个源模型为你的文本样本评分…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>Zero-shot on {bytes:,} bytes of your text: &lt;b&gt;{name}&lt;/b&gt; reads it best.</source>
            <translation>在你文本的 {bytes:,} 字节上零样本评估：&lt;b&gt;{name}&lt;/b&gt; 读得最好。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>No source model could score this text.</source>
            <translation>没有源模型能为这份文本评分。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>{origin} model: {path}</source>
            <translation>{origin} 模型：{path}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/source_ranking.py" />
            <source>The sources could not be ranked: {error}</source>
            <translation>无法为源模型排名：{error}</translation>
        </message>
    </context>
    <context>
        <name>SourcesBox</name>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Average the sources' weights (they must share one architecture and tokenizer), then transfer from that average.</source>
            <translation>对各源模型的权重取平均（它们必须有相同的架构和分词器），再从平均后的模型迁移。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Keep every source's encoder frozen and learn, at each position, how much of each to use; trains with the transfer type feature.</source>
            <translation>冻结每个源模型的编码器，在每个位置学习各用多少；使用迁移类型 feature（特征迁移）训练。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Fine-tune the first source on each further source's training text in turn, then on yours; each stage is a run of its own in the Runs panel.</source>
            <translation>先在其余各源模型的训练文本上依次微调第一个源模型，最后在你的文本上微调；每个阶段在运行面板中都是一次独立的运行。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Fine-tune the weights themselves.</source>
            <translation>直接微调权重本身。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Keep the source frozen; learn a correction T of the embedding matrix (E + E·T), starting at zero.</source>
            <translation>冻结源模型；学习嵌入矩阵的修正 T（E + E·T），从零开始。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Keep the source frozen; learn low-rank corrections (W + B·A) of the recurrent and output matrices, starting at zero: few parameters train.</source>
            <translation>冻结源模型；学习循环矩阵和输出矩阵的低秩修正（W + B·A），从零开始：只训练很少的参数。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Combine with more sources</source>
            <translation>与更多源模型组合</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Source</source>
            <translation>源模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Weight</source>
            <translation>权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Tick further sources to combine with the source chosen above</source>
            <translation>勾选要与上面所选源模型组合的其他源模型</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Move the selected source up: a chain fine-tunes on the ticked sources from top to bottom</source>
            <translation>把选中的源上移：链式迁移按从上到下的顺序依次在勾选的源上微调</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Move the selected source down</source>
            <translation>把选中的源下移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Weight of the source chosen above when averaging</source>
            <translation>取平均时上面所选源模型的权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Method</source>
            <translation>方法</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Weight of the chosen source</source>
            <translation>所选源模型的权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>This source's weight when averaging</source>
            <translation>取平均时该源模型的权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Train a correction T over the frozen source instead of its weights</source>
            <translation>在冻结的源模型上训练修正 T，而不是训练其权重</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>default</source>
            <translation>默认</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Rank of T; must stay below the mapped matrices' smaller side</source>
            <translation>T 的秩；必须小于被映射矩阵较小的一边</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Learned mapping</source>
            <translation>学习的映射</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/sources_box.py" />
            <source>Rank</source>
            <translation>秩</translation>
        </message>
    </context>
    <context>
        <name>StudiesPanel</name>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>(none)</source>
            <translation>（无）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Runs per cell, each with its own seed; the table shows mean ± standard deviation</source>
            <translation>每个单元格的运行次数，每次使用各自的种子；表格显示均值 ± 标准差</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Runs training at once, each in its own process; the CPU threads are divided between them (on a 2-core machine, 1 is usually as fast)</source>
            <translation>同时训练的运行数，每个运行在各自的进程中；CPU 线程在它们之间平分（在双核机器上，设为 1 通常一样快）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>study-DATE-TIME</source>
            <translation>study-日期-时间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>First axis</source>
            <translation>第一个轴</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Second axis</source>
            <translation>第二个轴</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Repeats</source>
            <translation>重复次数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>At once</source>
            <translation>同时运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Start study</source>
            <translation>开始研究</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Stop</source>
            <translation>停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Export…</source>
            <translation>导出…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Write the table (CSV), a Markdown report and the plots (PNG and SVG)</source>
            <translation>写出表格（CSV）、Markdown 报告和图表（PNG 和 SVG）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Studies stored in the data folder</source>
            <translation>保存在数据文件夹中的研究</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Open a stored study and train its unfinished runs</source>
            <translation>打开已保存的研究，训练其中未完成的运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Stored study</source>
            <translation>已存的研究</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>type the values of the {name} axis, separated by commas (e.g. {examples})</source>
            <translation>请输入 {name} 轴的取值，用逗号分隔（例如 {examples}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>a study compares transfer with scratch: choose a source model in the Model &amp; Transfer panel, or make source one of the axes</source>
            <translation>研究比较的是迁移与从零训练：请在“模型与迁移”面板中选择一个源模型，或把 source 设为其中一个轴</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>a study named {name} exists already: choose it under Stored study and press Resume, or type another name</source>
            <translation>已有名为 {name} 的研究：在“已存的研究”中选中它并点“继续”，或换一个名称</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>planning…</source>
            <translation>正在规划…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>stopping…</source>
            <translation>正在停止…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>stopped: Resume trains the rest</source>
            <translation>已停止：按“继续”训练其余的运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>done</source>
            <translation>已完成</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>{finished} of {total} runs</source>
            <translation>{finished} / {total} 次运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>, about {time} left</source>
            <translation>，剩余约 {time}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>a run of the study failed: {message}</source>
            <translation>研究中的一次运行失败：{message}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>gain (bits saved)</source>
            <translation>增益（节省的比特）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>waiting</source>
            <translation>等待中</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>{gain} bits
{bpb:.3f} vs {baseline:.3f} bpb ({repeats}×)</source>
            <translation>{gain} 比特
{bpb:.3f} 对比 {baseline:.3f} bpb（{repeats}×）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>bits per byte ({split}): {bpb}, baseline {baseline:.4f}; click to select its runs in the Runs panel</source>
            <translation>每字节比特数（{split}）：{bpb}，基线 {baseline:.4f}；点击可在“运行”面板中选中它的运行</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>Export the study to a folder</source>
            <translation>将研究导出到文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>cannot write to {folder}: {error}; choose another folder</source>
            <translation>无法写入 {folder}：{error}；请选择另一个文件夹</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/studies_panel.py" />
            <source>exported to {folder}: results.csv, report.md and {count} plot files</source>
            <translation>已导出到 {folder}：results.csv、report.md 和 {count} 个图表文件</translation>
        </message>
    </context>
    <context>
        <name>StudyPlots</name>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>transfer</source>
            <translation>迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>Data efficiency: transfer against scratch</source>
            <translation>数据效率：迁移与从零训练对比</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>share of the target training text (log)</source>
            <translation>目标训练文本的比例（对数）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>bits per byte (fewer is better)</source>
            <translation>每字节比特数（越少越好）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>scratch</source>
            <translation>从零训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>scratch ({label})</source>
            <translation>从零训练（{label}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>scratch catches up ({label}): {point:.2g}</source>
            <translation>从零训练追上（{label}）：{point:.2g}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>scratch catches up: {point:.2g}</source>
            <translation>从零训练追上：{point:.2g}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>Gain per {name} (1 − bpb / baseline bpb)</source>
            <translation>各 {name} 取值的增益（1 − bpb / 基线 bpb）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>gain (bits saved)</source>
            <translation>增益（节省的比特）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/study_plots.py" />
            <source>Gain (bits saved) per cell</source>
            <translation>各单元格的增益（节省的比特）</translation>
        </message>
    </context>
    <context>
        <name>TargetLayers</name>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>as the source</source>
            <translation>与源模型相同</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Recurrent layers of the new model: fewer keeps the source's bottom ones, more adds layers with random weights on top. Not for feature transfer (choose the layer it reads) nor task transfer</source>
            <translation>新模型的循环层数：较少时保留源模型最底下的几层，较多时在上面添加随机初始化的层。不适用于特征迁移（请选择读取的层）和任务迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Units per recurrent layer of the new model: more grows the source wider. The source's units keep their weights and the new ones start unread, so the new model starts out predicting exactly what the source does, with room to learn more. Costs time per step. Not for feature nor task transfer</source>
            <translation>新模型每个循环层的单元数：更大即把源模型加宽。源模型的单元保留其权重，新单元起初无人读取，因此新模型一开始的预测与源模型完全相同，又有余地学到更多。每步耗时更多。不适用于特征迁移和任务迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Own output layer (untied from the embedding)</source>
            <translation>独立的输出层（不与嵌入共享权重）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>The output matrix becomes separate from the embedding: copied from the source, or newly initialised when the output layer is not copied. Only for a source with tied embeddings, not for feature or task transfer</source>
            <translation>输出矩阵与嵌入分开：从源模型复制，或在不复制输出层时重新初始化。仅适用于输入与输出嵌入共享权重的源模型，不适用于特征迁移和任务迁移</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Feature transfer only: the source layer whose states the new output layer learns from (0 = the lowest; the top one unless you choose another). The layers above it are left out</source>
            <translation>仅用于特征迁移：新输出层从源模型哪一层的状态中学习（0 = 最低层；默认为最高层）。它上面的层不再使用</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Recurrent layers</source>
            <translation>循环层数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Hidden size</source>
            <translation>隐藏层维度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/target_layers.py" />
            <source>Source layer read</source>
            <translation>读取的源模型层</translation>
        </message>
    </context>
    <context>
        <name>TrainingPanel</name>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>valid</source>
            <translation>验证</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>test</source>
            <translation>测试</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>word ppl</source>
            <translation>词困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>char ppl</source>
            <translation>字困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>accuracy</source>
            <translation>准确率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>macro-F1</source>
            <translation>宏平均 F1</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>entity F1</source>
            <translation>实体 F1</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>budget reached</source>
            <translation>预算用尽</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>early stopping</source>
            <translation>提前停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>{label} {ppl:.2f}{cache}, bpb {bpb:.3f}</source>
            <translation>{label} {ppl:.2f}{cache}，bpb {bpb:.3f}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source> (with cache {ppl:.2f})</source>
            <translation>（加缓存 {ppl:.2f}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>off</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stop after this many passes over the training text (off = no limit; with every limit off, a run trains one epoch)</source>
            <translation>遍历训练文本这么多遍后停止（关 = 不限；所有限制都关闭时训练一个轮次）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stop after this many optimiser steps (off = no limit)</source>
            <translation>优化器走这么多步后停止（关闭 = 不限）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stop after this much training time (off = no limit): type 45 s, 1 min 30 s, 2 h or 1:30; a bare number is minutes</source>
            <translation>训练这么长时间后停止（关 = 不限）：可输入 45 s、1 min 30 s、2 h 或 1:30；只写数字表示分钟</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stop after: epochs</source>
            <translation>停止条件：轮次</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>steps</source>
            <translation>步数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>time</source>
            <translation>时间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Ready</source>
            <translation>就绪</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Press Start to train</source>
            <translation>按“开始”进行训练</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Step</source>
            <translation>步</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Tokens seen</source>
            <translation>已见词元</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Tokens/s</source>
            <translation>词元/秒</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Learning rate</source>
            <translation>学习率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Gradient norm</source>
            <translation>梯度范数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Elapsed</source>
            <translation>已用时间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Messages from the run appear here.</source>
            <translation>训练过程中的消息显示在这里。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Preparing…</source>
            <translation>正在准备…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source> (best)</source>
            <translation>（最佳）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>step {step}: {split} {figures}</source>
            <translation>第 {step} 步：{split} {figures}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Paused at step {step:,}</source>
            <translation>已在第 {step:,} 步暂停</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Training</source>
            <translation>训练中</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>averaging weights from step {step:,} ({share:.0%} of the budget) on: evaluations and checkpoints now use the mean of the weights after every step since</source>
            <translation>从第 {step:,} 步（预算的 {share:.0%}）起平均权重：此后的评估和检查点都使用此后每一步权重的平均值</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>checkpoint '{tag}' at step {step}</source>
            <translation>第 {step} 步保存检查点“{tag}”</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>error: </source>
            <translation>错误：</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>, resumed from step {step}</source>
            <translation>，从第 {step} 步继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>run {name}: {parameters:,} parameters ({trainable:,} trainable), {tokens:,} training tokens, {device} {precision}{resumed}</source>
            <translation>运行 {name}：{parameters:,} 个参数（{trainable:,} 个可训练），{tokens:,} 个训练词元，{device} {precision}{resumed}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stopped</source>
            <translation>已停止</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Done</source>
            <translation>已完成</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stopped — resume it from the Runs panel</source>
            <translation>已停止 — 可在“运行”面板中继续</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>stopped at step {step}; a resumable checkpoint is in {folder}</source>
            <translation>已在第 {step} 步停止；可继续的检查点位于 {folder}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>done ({reason}) at step {step}: valid {summary}</source>
            <translation>已在第 {step} 步完成（{reason}）：验证 {summary}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>Stopping…</source>
            <translation>正在停止…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>{step:,}{total} (epoch {epoch})</source>
            <translation>{step:,}{total}（第 {epoch} 轮）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/training_panel.py" />
            <source>{progress:.0%} · ETA {eta}</source>
            <translation>{progress:.0%} · 预计剩余 {eta}</translation>
        </message>
    </context>
    <context>
        <name>TrainingPlots</name>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>steps</source>
            <translation>步数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>step</source>
            <translation>步</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>tokens</source>
            <translation>词元</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>tokens seen</source>
            <translation>已见词元数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>time</source>
            <translation>时间</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>wall time (s)</source>
            <translation>实际用时（秒）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>token ppl</source>
            <translation>词元困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>token perplexity</source>
            <translation>词元困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>word ppl</source>
            <translation>词困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>word perplexity</source>
            <translation>词困惑度</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>bits/byte</source>
            <translation>比特/字节</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>bits per byte</source>
            <translation>每字节比特数</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>accuracy</source>
            <translation>准确率</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>macro-F1</source>
            <translation>宏平均 F1</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>entity F1</source>
            <translation>实体 F1</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>What the horizontal axis counts. Compare runs on tokens seen: steps differ when batch sizes differ.</source>
            <translation>横轴计数的对象。请按已见词元数比较各次运行：批大小不同时，步数没有可比性。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Token perplexity depends on the vocabulary; word perplexity and bits per byte compare runs with different tokenizers.</source>
            <translation>词元困惑度取决于词表；词困惑度和每字节比特数可以比较分词器不同的运行。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Exponential moving average of the training loss (0 = raw), as in TensorBoard</source>
            <translation>训练损失的指数移动平均（0 = 原始值），与 TensorBoard 相同</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Fit</source>
            <translation>适应</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Autoscale: fit both plots to all their data again</source>
            <translation>自动缩放：让两张图重新适应全部数据</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Export</source>
            <translation>导出</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Plots as PNG image…</source>
            <translation>图表导出为 PNG 图片…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Curves as CSV table…</source>
            <translation>曲线导出为 CSV 表格…</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>X axis</source>
            <translation>横轴</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Metric</source>
            <translation>指标</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Smoothing</source>
            <translation>平滑</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Loss — raw (faint), smoothed, validation (dots)</source>
            <translation>损失 — 原始（浅色）、平滑、验证（圆点）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>nats/token</source>
            <translation>奈特/词元</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>&lt;div style='text-align:center; color:#777'&gt;No curves yet: press &lt;b&gt;Start&lt;/b&gt;,&lt;br&gt;or select runs in the Runs panel&lt;br&gt;to compare them here.&lt;/div&gt;</source>
            <translation>&lt;div style='text-align:center; color:#777'&gt;还没有曲线：按&lt;b&gt;开始&lt;/b&gt;，&lt;br&gt;或在“运行”面板中选择几次运行，&lt;br&gt;在这里比较它们。&lt;/div&gt;</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Move the mouse over a plot to read every curve at that point.</source>
            <translation>把鼠标移到图上，可读出各条曲线在该处的数值。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Validation {name} — higher is better</source>
            <translation>验证{name} — 越高越好</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Validation {name} — lower is better</source>
            <translation>验证{name} — 越低越好</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source> (log scale)</source>
            <translation>（对数刻度）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>averaged →</source>
            <translation>权重平均 →</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>From here on, evaluations use the mean of the weights (Average weights from)</source>
            <translation>从这里起，评估使用权重的平均值（见“权重平均起点”）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Note: {note}; token loss is hidden for compared runs.</source>
            <translation>注意：{note}；比较多次运行时隐藏词元损失。</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>train loss {loss:.3f}</source>
            <translation>训练损失 {loss:.3f}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>could not write {path}</source>
            <translation>无法写入 {path}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>PNG image (*.png)</source>
            <translation>PNG 图片 (*.png)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>CSV table (*.csv)</source>
            <translation>CSV 表格 (*.csv)</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/plots.py" />
            <source>Export failed: {error}. Choose a folder you can write to.</source>
            <translation>导出失败：{error}。请选择一个可写入的文件夹。</translation>
        </message>
    </context>
    <context>
        <name>Widgets</name>
        <message>
            <location filename="../../rnnlm_studio/gui/widgets.py" />
            <source>Dismiss this message</source>
            <translation>关闭此消息</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/widgets.py" />
            <source>off</source>
            <translation>关闭</translation>
        </message>
    </context>
    <context>
        <name>Workers</name>
        <message>
            <location filename="../../rnnlm_studio/gui/workers.py" />
            <source>training stopped by an internal error ({error!r}); the last checkpoint is kept; please report this</source>
            <translation>训练因内部错误而停止 ({error!r})；最后一个检查点已保留；请报告此问题</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/workers.py" />
            <source>the run was stopped before it could save a checkpoint</source>
            <translation>运行在保存检查点之前就被停止了</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/workers.py" />
            <source>the training process failed (exit code {code})</source>
            <translation>训练进程失败（退出码 {code}）</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/workers.py" />
            <source>cannot start {program}: {error}</source>
            <translation>无法启动 {program}：{error}</translation>
        </message>
        <message>
            <location filename="../../rnnlm_studio/gui/workers.py" />
            <source>internal error ({error!r}); please report this</source>
            <translation>内部错误 ({error!r})；请报告此问题</translation>
        </message>
    </context>
</TS>
